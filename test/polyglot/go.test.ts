/**
 * Go clients against a real Loom: `examples/go` (module with a `replace` onto gen/go) built with the machine's
 * Go toolchain, its programs run as child processes: Health over gRPC and the HITL flow with a server stream.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOOM_VERSION } from "../../src/version.js";
import { type ApiServer, startApiServer } from "../api/support.js";
import { expectHitlOutput, ROOT, runOrThrow, runProgram } from "./programs.js";

let server: ApiServer;
let binDir: string;
const run = (program: string) =>
  runProgram(path.join(binDir, program), [], { env: { LOOM_URL: server.baseUrl } });

beforeAll(async () => {
  binDir = await mkdtemp(path.join(os.tmpdir(), "loom-go-examples-"));
  // The same build `go run .` does; built once so each test runs a binary. -p 1: two shared cores.
  const examples = path.join(ROOT, "examples/go");
  const build = ["build", "-p", "1", "-o"];
  await runOrThrow("go", [...build, path.join(binDir, "hitl"), "."], { cwd: examples, timeoutMs: 600_000 });
  await runOrThrow("go", [...build, path.join(binDir, "health"), "./health"], {
    cwd: examples,
    timeoutMs: 600_000,
  });
  server = await startApiServer("polyglot_go");
}, 900_000);

afterAll(async () => {
  await server?.close();
  if (binDir) await rm(binDir, { recursive: true, force: true });
});

describe("generated Go stubs (module github.com/loom-dev/loom/gen/go)", () => {
  it("examples/go/health calls HealthService Ok and Info over gRPC", async () => {
    const out = await run("health");
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`ok: true\nversion: ${LOOM_VERSION}\n`);
  });

  it("examples/go: interrupt, resume, final state, history and a server stream", async () => {
    const out = await run("hitl");
    expect(out.code, out.stderr).toBe(0);
    expectHitlOutput(out.stdout);
  });
});
