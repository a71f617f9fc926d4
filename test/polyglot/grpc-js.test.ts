/**
 * examples/grpc-js as an outside user runs it: copied with a copy of `proto/` into a directory outside the
 * repository, `@grpc/grpc-js` and `@grpc/proto-loader` installed from the npm registry, run against a real Loom.
 * It drives the compile-time breakpoint of `breakpoints_static` and resumes it with `input` unset and with
 * `Value{null_value}`, and prints a refused mistyped Struct field.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../api/support.js";
import { ROOT, runOrThrow, runProgram } from "./programs.js";

let server: ApiServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loom-grpc-js-example-"));
  for (const file of ["main.mjs", "package.json"]) {
    await cp(path.join(ROOT, "examples/grpc-js", file), path.join(dir, file));
  }
  await cp(path.join(ROOT, "proto"), path.join(dir, "proto"), { recursive: true });
  await runOrThrow("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: dir,
    timeoutMs: 600_000,
  });
  server = await startApiServer("polyglot_grpc_js");
}, 900_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("examples/grpc-js from a clean directory", () => {
  it("pauses at the compiled breakpoint, resumes with input unset and with null_value, refuses tags: 5", async () => {
    const out = await runProgram("node", ["main.mjs"], {
      cwd: dir,
      env: { LOOM_ADDRESS: `127.0.0.1:${server.port}`, LOOM_PROTO: path.join(dir, "proto") },
    });
    expect(out.code, out.stderr).toBe(0);
    const paused = 'paused: {"messages":["node_a"],"__interrupt__":[]} next=["node_b"]';
    const done = '{"messages":["node_a","node_b","node_c"]} success';
    expect(out.stdout.trim().split("\n")).toEqual([
      paused,
      `resumed (input unset): ${done}`,
      paused,
      `resumed (input null_value): ${done}`,
      "refused: INVALID_ARGUMENT config.tags must be a list of strings",
    ]);
  });
});
