import { execFileSync, spawn } from "node:child_process";
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((s) => Number.parseInt(s, 10))
      .filter((n) => Number.isInteger(n));
  } catch {
    return [];
  }
}

function descendantPids(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendantPids(child)]);
}

function commandLine(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the start command (npm start: npm run build, then node dist/src/main.js)", () => {
  it("builds, starts its own mongod, serves GET /ok, and leaves no process behind on SIGINT", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "loom-start-"));
    // No MONGODB_URI: the server must start a mongod of its own.
    const env = { ...process.env, PORT: "0", LOOM_DATA_DIR: dataDir, LOG_LEVEL: "info", MONGODB_URI: "" };
    // The README's command, build included; npm forwards SIGINT to the server (the script execs node).
    const started = Date.now();
    const child = spawn("npm", ["start"], { cwd: ROOT, env });
    try {
      let output = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "Loom listening" line in: ${output}`)), 60_000);
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          const match = /"url":"(http:\/\/[^"]+)".*"msg":"Loom listening"/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.stderr.on("data", (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      expect(output).toMatch(/"msg":"MongoDB ready"/);
      // It built before it started: a stale dist/ is never what runs (1 s of slack for coarse file times).
      expect(statSync(path.join(ROOT, "dist/src/main.js")).mtimeMs).toBeGreaterThan(started - 1000);
      const res = await fetch(`${url}/ok`);
      expect(await res.json()).toEqual({ ok: true });

      const descendants = descendantPids(child.pid as number);
      const commands = descendants.map(commandLine);
      // The server is the compiled JavaScript under plain node (no tsx loader), with its mongod (and watchdog).
      expect(commands).toContainEqual(expect.stringMatching(/node dist\/src\/main\.js$/));
      expect(commands.filter((c) => c.includes("tsx"))).toEqual([]);
      expect(commands).toContainEqual(expect.stringContaining("mongod"));
      const exitCode = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      expect(await exitCode).toBe(0);
      // Children end as their pipes close: poll, don't sleep a guess.
      const deadline = Date.now() + 10_000;
      while (descendants.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(descendants.filter(alive)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
