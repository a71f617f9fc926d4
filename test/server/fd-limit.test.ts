import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { connectionCap, softFileLimit } from "../../src/server/fd-limit.js";

describe("connection cap from the descriptor limit", () => {
  it("reads the same soft limit as `ulimit -n`", () => {
    const shell = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    expect(softFileLimit()).toBe(shell === "unlimited" ? undefined : Number(shell));
  });

  it("keeps max(160, a tenth) descriptors for MongoDB and files; no cap without a limit", () => {
    expect(connectionCap(1024)).toBe(864);
    expect(connectionCap(65536)).toBe(58_982);
    expect(connectionCap(100)).toBe(32);
    expect(connectionCap(undefined)).toBe(Number.POSITIVE_INFINITY);
  });
});
