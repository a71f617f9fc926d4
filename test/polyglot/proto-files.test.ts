/**
 * `proto/` on its own, as a grpc-js, protoc or buf user gets it: copied into a directory outside the repository
 * (no node_modules, no buf.yaml of ours), loaded with `@grpc/proto-loader` and called with grpc-js; built and
 * used by `buf` (`buf build`, `buf curl --schema proto`) against a real Loom.
 */
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../api/support.js";
import { ROOT, runProgram } from "./programs.js";

const BUF = path.join(ROOT, "node_modules", ".bin", "buf");

let server: ApiServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loom-protos-"));
  await cp(path.join(ROOT, "proto"), path.join(dir, "proto"), { recursive: true });
  server = await startApiServer("polyglot_protos");
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("proto/ without node_modules", () => {
  it("vendors google/api/{annotations,http}.proto with googleapis' licence note", async () => {
    expect((await readdir(path.join(dir, "proto/google/api"))).sort()).toEqual([
      "annotations.proto",
      "http.proto",
    ]);
    expect((await readdir(path.join(dir, "proto/google"))).sort()).toEqual(["README.md", "api"]);
  });

  it("loads with @grpc/proto-loader from proto/ alone and serves grpc-js calls", async () => {
    const files = ["assistants", "health", "runs", "threads", "types"].map((f) => `loom/v1/${f}.proto`);
    const def = protoLoader.loadSync(files, {
      includeDirs: [path.join(dir, "proto")],
      keepCase: true,
      longs: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      loom: { v1: Record<string, grpc.ServiceClientConstructor> };
    };
    const Threads = pkg.loom.v1.ThreadsService as grpc.ServiceClientConstructor;
    const client = new Threads(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const thread = await new Promise<{ thread_id: string; status: string }>((resolve, reject) =>
      client.Create({}, (e: grpc.ServiceError | null, v: { thread_id: string; status: string }) =>
        e ? reject(e) : resolve(v),
      ),
    );
    client.close();
    expect(thread.thread_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(thread.status).toBe("idle");
  });

  it("builds with buf from a directory that has no node_modules and no buf.yaml", async () => {
    const out = await runProgram(BUF, ["build", "proto", "-o", "-#format=json"], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    const image = JSON.parse(out.stdout) as { file: { name: string }[] };
    expect(image.file.map((f) => f.name)).toEqual(
      expect.arrayContaining(["google/api/http.proto", "google/api/annotations.proto", "loom/v1/runs.proto"]),
    );
  });

  it("builds as the repository's buf module (buf.yaml: no deps) from a copy with no node_modules", async () => {
    const config = await readFile(path.join(ROOT, "buf.yaml"), "utf8");
    expect(config).not.toMatch(/^\s*deps:/m);
    expect(config).not.toMatch(/node_modules/);
    const moduleDir = path.join(dir, "module");
    await cp(path.join(ROOT, "proto"), path.join(moduleDir, "proto"), { recursive: true });
    await cp(path.join(ROOT, "buf.yaml"), path.join(moduleDir, "buf.yaml"));
    const out = await runProgram(BUF, ["build", "-o", "-#format=json"], { cwd: moduleDir });
    expect(out.code, out.stderr).toBe(0);
    const image = JSON.parse(out.stdout) as { file: { name: string }[] };
    expect(image.file.map((f) => f.name)).toEqual(
      expect.arrayContaining(["google/api/annotations.proto", "loom/v1/threads.proto"]),
    );
    const lint = await runProgram(BUF, ["lint"], { cwd: moduleDir });
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
  });

  it("serves buf curl --schema proto run from that directory", async () => {
    const out = await runProgram(
      BUF,
      [
        "curl",
        "--schema",
        "proto",
        "--protocol",
        "grpc",
        "-d",
        "{}",
        `${server.baseUrl}/loom.v1.HealthService/Ok`,
      ],
      { cwd: dir },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ ok: true });
  });

  it("buf curl drives the compile-time breakpoint: camelCase output, resumed with input null", async () => {
    const curl = async (method: string, body: object) => {
      const out = await runProgram(
        BUF,
        [
          "curl",
          "--schema",
          "proto",
          "--protocol",
          "grpc",
          "-d",
          JSON.stringify(body),
          `${server.baseUrl}/${method}`,
        ],
        { cwd: dir },
      );
      expect(out.code, out.stderr).toBe(0);
      return JSON.parse(out.stdout) as Record<string, unknown>;
    };
    const thread = await curl("loom.v1.ThreadsService/Create", {});
    expect(thread).toHaveProperty("threadId");
    expect(thread).not.toHaveProperty("thread_id");
    const run = { thread_id: thread.threadId, assistant_id: "breakpoints_static" };
    const paused = await curl("loom.v1.RunsService/Wait", { ...run, input: {} });
    expect(paused.values).toEqual({ messages: ["node_a"], __interrupt__: [] });
    expect(paused.run).toHaveProperty("runId");
    const done = await curl("loom.v1.RunsService/Wait", { ...run, input: null });
    expect(done.values).toEqual({ messages: ["node_a", "node_b", "node_c"] });
  });
});
