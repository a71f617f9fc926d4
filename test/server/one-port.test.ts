import { execFile } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthService } from "../../gen/ts/loom/v1/health_pb.js";
import { LOOM_VERSION } from "../../src/version.js";
import { startTestServer, type TestServer } from "../support/server.js";

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const BUF = path.join(ROOT, "node_modules", ".bin", "buf");

describe("one port serves HTTP/1.1 and h2c", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("one_port");
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers GET /ok to plain curl --http1.1", async () => {
    const { stdout } = await execFileAsync("curl", ["-sS", "--http1.1", "-i", `${server.baseUrl}/ok`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(JSON.parse(stdout.slice(stdout.indexOf("\r\n\r\n") + 4))).toEqual({ ok: true });
  });

  it("answers GET /info with the package version", async () => {
    const res = await fetch(`${server.baseUrl}/info`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { version: string; flags: Record<string, boolean> };
    expect(body.version).toBe(LOOM_VERSION);
    expect(body.flags.assistants).toBe(true);
  });

  it("answers a Connect JSON POST over HTTP/1.1 (fetch) with proto field names", async () => {
    const res = await fetch(`${server.baseUrl}/loom.v1.HealthService/Info`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      version: LOOM_VERSION,
      flags: { assistants: true, crons: true, store: true },
      auth: { mode: "none" },
    });
  });

  it("answers a grpc-js call over h2c", async () => {
    const def = protoLoader.loadSync("loom/v1/health.proto", {
      includeDirs: [path.join(ROOT, "proto")],
      keepCase: true,
      defaults: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      loom: { v1: { HealthService: grpc.ServiceClientConstructor } };
    };
    const client = new pkg.loom.v1.HealthService(
      `127.0.0.1:${server.port}`,
      grpc.credentials.createInsecure(),
    );
    const reply = await new Promise<{ ok: boolean }>((resolve, reject) =>
      client.Ok({}, (error: grpc.ServiceError | null, value: { ok: boolean }) =>
        error ? reject(error) : resolve(value),
      ),
    );
    client.close();
    expect(reply).toEqual({ ok: true });
  });

  it("serves connect-node's gRPC, Connect (h2c and 1.1) and gRPC-Web transports", async () => {
    const transports = [
      createGrpcTransport({ baseUrl: server.baseUrl }),
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2" }),
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
      createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    ];
    for (const transport of transports) {
      const client = createClient(HealthService, transport);
      expect((await client.ok({})).ok).toBe(true);
    }
  });

  it("answers buf curl --schema proto over the grpc and connect protocols", async () => {
    for (const protocol of ["grpc", "connect"]) {
      const { stdout } = await execFileAsync(
        BUF,
        [
          "curl",
          "--schema",
          "proto",
          "--protocol",
          protocol,
          "-d",
          "{}",
          `${server.baseUrl}/loom.v1.HealthService/Ok`,
        ],
        { cwd: ROOT },
      );
      expect(JSON.parse(stdout)).toEqual({ ok: true });
    }
  });

  it("handles an HTTP/2 preface split across TCP segments", async () => {
    const { stdout } = await execFileAsync("curl", [
      "-sS",
      "--http2-prior-knowledge",
      `${server.baseUrl}/ok`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ ok: true });
    // A raw socket sending only "PRI" first must not be mistaken for HTTP/1.
    const socket = net.connect(server.port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.write("PRI");
    await new Promise((r) => setTimeout(r, 100));
    socket.write(" * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    // An h2 server answers the preface with a SETTINGS frame (type 0x04 at byte 3).
    const frame = await new Promise<Buffer>((resolve) => socket.once("data", resolve));
    expect(frame[3]).toBe(0x04);
    socket.destroy();
  });

  it("answers unknown plain-HTTP paths with a JSON 404", async () => {
    const res = await fetch(`${server.baseUrl}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/\/nope/);
  });
});
