/**
 * What a careful client relies on, over every protocol against a real server: grpc-js (proto-loader on
 * `proto/`), connect-node's Connect transport on the generated descriptors, and the REST routes. Stream framing
 * (one `metadata` part per stream), not-found checkpoints, undecodable request bytes, the state update answer.
 */
import http2 from "node:http2";
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { type GrpcClients, grpcClients, type RawMessage } from "../support/grpc-client.js";
import { type ApiServer, call, projectRoot, startApiServer } from "./support.js";

let server: ApiServer;
let grpcThreads: grpc.Client;
let rpc: GrpcClients;

beforeAll(async () => {
  server = await startApiServer("api_client_contract");
  rpc = grpcClients(server.port);
  const def = protoLoader.loadSync(["loom/v1/threads.proto"], {
    includeDirs: [path.join(projectRoot, "proto")],
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    loom: { v1: Record<string, grpc.ServiceClientConstructor> };
  };
  const Threads = pkg.loom.v1.ThreadsService as grpc.ServiceClientConstructor;
  grpcThreads = new Threads(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  grpcThreads?.close();
  rpc?.close();
  await server?.close();
});

const UNKNOWN_CHECKPOINT = "1f0d4a3e-0000-6000-8000-000000000000";

describe("GetState with an unknown checkpoint id on a thread without checkpoints", () => {
  it("answers NOT_FOUND over grpc-js", async () => {
    const connect = createClient(
      ThreadsService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    );
    const { threadId } = await connect.create({});
    const error = await new Promise<grpc.ServiceError | null>((resolve) => {
      type Unary = (req: object, cb: (e: grpc.ServiceError | null) => void) => void;
      const getState = (grpcThreads as unknown as Record<string, Unary>).GetState as Unary;
      getState.call(grpcThreads, { thread_id: threadId, checkpoint_id: UNKNOWN_CHECKPOINT }, (e) =>
        resolve(e),
      );
    });
    expect(error?.code).toBe(grpc.status.NOT_FOUND);
    expect(error?.details).toContain(UNKNOWN_CHECKPOINT);
  });

  it("answers not_found over Connect", async () => {
    const connect = createClient(
      ThreadsService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    );
    const { threadId } = await connect.create({});
    const error = await connect
      .getState({ threadId, checkpointId: UNKNOWN_CHECKPOINT })
      .catch((e: unknown) => e);
    expect(ConnectError.from(error).code).toBe(Code.NotFound);
  });

  it("answers 404 with a detail over REST, and the head state stays empty", async () => {
    const created = await call(server.baseUrl, "POST", "/threads", {});
    const threadId = (created.body as { thread_id: string }).thread_id;
    const res = await call(server.baseUrl, "GET", `/threads/${threadId}/state/${UNKNOWN_CHECKPOINT}`);
    expect(res.status).toBe(404);
    expect((res.body as { detail: string }).detail).toContain(UNKNOWN_CHECKPOINT);
    const head = await call(server.baseUrl, "GET", `/threads/${threadId}/state`);
    expect(head.status).toBe(200);
    expect((head.body as { values: unknown }).values).toEqual({});
  });
});

describe.each([
  ["that never ran", {}, false],
  ["with a graph_id in its metadata but no checkpoint", { metadata: { graph_id: "agent" } }, false],
  ["that ran (it has checkpoints)", {}, true],
] as const)(
  "GetState with an unknown checkpoint id on a thread %s: NOT_FOUND in every request form",
  (_kind, body, ran) => {
    let threadId: string;
    beforeAll(async () => {
      const B = server.baseUrl;
      threadId = ((await call(B, "POST", "/threads", body)).body as { thread_id: string }).thread_id;
      if (ran) {
        const run = await call(B, "POST", `/threads/${threadId}/runs/wait`, {
          assistant_id: "agent",
          input: { some_text: "x" },
        });
        expect(run.status).toBe(200);
      }
    });

    it("grpc-js: checkpoint_id and the checkpoint selector", async () => {
      for (const req of [
        { thread_id: threadId, checkpoint_id: UNKNOWN_CHECKPOINT },
        { thread_id: threadId, checkpoint: { checkpoint_id: UNKNOWN_CHECKPOINT } },
      ]) {
        const error = await rpc.call("ThreadsService", "GetState", req).catch((e: grpc.ServiceError) => e);
        expect((error as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
        expect((error as grpc.ServiceError).details).toContain(UNKNOWN_CHECKPOINT);
      }
    });

    it("Connect: checkpointId and the checkpoint selector", async () => {
      const threads = createClient(
        ThreadsService,
        createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
      );
      for (const req of [
        { threadId, checkpointId: UNKNOWN_CHECKPOINT },
        { threadId, checkpoint: { checkpointId: UNKNOWN_CHECKPOINT } },
      ]) {
        const error = await threads.getState(req).catch((e: unknown) => e);
        expect(ConnectError.from(error).code).toBe(Code.NotFound);
      }
    });

    it("REST: GET /threads/{t}/state/{id} and POST /threads/{t}/state/checkpoint answer 404", async () => {
      const B = server.baseUrl;
      for (const res of [
        await call(B, "GET", `/threads/${threadId}/state/${UNKNOWN_CHECKPOINT}`),
        await call(B, "POST", `/threads/${threadId}/state/checkpoint`, {
          checkpoint: { checkpoint_id: UNKNOWN_CHECKPOINT },
        }),
      ]) {
        expect(res.status).toBe(404);
        expect((res.body as { detail: string }).detail).toContain(UNKNOWN_CHECKPOINT);
      }
    });
  },
);

/** A background `slow` run queued (`enqueue`) behind a 1 s one on a new thread: it has not started yet. */
async function queuedRun(): Promise<{ threadId: string; runId: string }> {
  const B = server.baseUrl;
  const threadId = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
  const first = await call(B, "POST", `/threads/${threadId}/runs`, {
    assistant_id: "slow",
    input: { ms: 1000 },
  });
  expect(first.status).toBe(200);
  const queued = await call(B, "POST", `/threads/${threadId}/runs`, {
    assistant_id: "slow",
    input: { ms: 50 },
    multitask_strategy: "enqueue",
  });
  expect(queued.status).toBe(200);
  const run = queued.body as { run_id: string; status: string };
  expect(run.status).toBe("pending");
  return { threadId, runId: run.run_id };
}

/** The `event:` names of an SSE body, in order. */
function sseEvents(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("event: "))
    .map((line) => line.slice("event: ".length));
}

describe("JoinStream on a run that has not started yet sends exactly one metadata part", () => {
  /** One metadata first, then the run's `values` events (the queued run ends `{ms: 50, done: true}`). */
  function expectFraming(events: string[]): void {
    expect(events[0]).toBe("metadata");
    expect(events.filter((e) => e === "metadata")).toHaveLength(1);
    expect(events.slice(1).length).toBeGreaterThan(0);
    expect(events.slice(1).every((e) => e === "values")).toBe(true);
  }

  it("over grpc-js", async () => {
    const { threadId, runId } = await queuedRun();
    const parts: RawMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = rpc.stream("RunsService", "JoinStream", { thread_id: threadId, run_id: runId });
      stream.on("data", (p: RawMessage) => parts.push(p));
      stream.on("error", reject);
      stream.on("end", resolve);
    });
    expectFraming(parts.map((p) => p.event as string));
  });

  it("over Connect", async () => {
    const { threadId, runId } = await queuedRun();
    const runs = createClient(
      RunsService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    );
    const events: string[] = [];
    for await (const p of runs.joinStream({ threadId, runId })) events.push(p.event);
    expectFraming(events);
  });

  it("over REST (GET /threads/{t}/runs/{r}/stream)", async () => {
    const { threadId, runId } = await queuedRun();
    const res = await fetch(`${server.baseUrl}/threads/${threadId}/runs/${runId}/stream`);
    expect(res.status).toBe(200);
    expectFraming(sseEvents(await res.text()));
  });
});

describe("UpdateState answers {checkpoint, configurable, checkpoint_id} as the Python server does", () => {
  /** A `joke` thread that ran, and the id of its checkpoint before `write_joke` (the fork point of the docs). */
  async function jokeForkPoint(): Promise<{ threadId: string; cpId: string }> {
    const B = server.baseUrl;
    const threadId = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
    expect(
      (await call(B, "POST", `/threads/${threadId}/runs/wait`, { assistant_id: "joke", input: {} })).status,
    ).toBe(200);
    const history = (await call(B, "POST", `/threads/${threadId}/history`, { limit: 10 })).body as Array<{
      next: string[];
      checkpoint: { checkpoint_id: string };
    }>;
    const before = history.find((s) => s.next[0] === "write_joke");
    return { threadId, cpId: before?.checkpoint.checkpoint_id as string };
  }

  it("over REST: the documented snippet's new_config['checkpoint_id'] continues the fork", async () => {
    const B = server.baseUrl;
    const { threadId, cpId } = await jokeForkPoint();
    const res = await call(B, "POST", `/threads/${threadId}/state`, {
      values: { topic: "chickens" },
      checkpoint_id: cpId,
    });
    expect(res.status).toBe(200);
    const body = res.body as {
      checkpoint: { checkpoint_id: string };
      configurable: Record<string, string>;
      checkpoint_id: string;
    };
    const forkId = body.checkpoint.checkpoint_id;
    expect(forkId).not.toBe(cpId);
    expect(body.checkpoint_id).toBe(forkId);
    expect(body.configurable).toEqual({ thread_id: threadId, checkpoint_ns: "", checkpoint_id: forkId });
    const run = await call(B, "POST", `/threads/${threadId}/runs/wait`, {
      assistant_id: "joke",
      input: null,
      checkpoint_id: body.checkpoint_id,
    });
    expect((run.body as { topic: string }).topic).toBe("chickens");
  });

  it("over the JS SDK: updateState's Config answer carries configurable.checkpoint_id", async () => {
    const client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
    const { threadId, cpId } = await jokeForkPoint();
    const config = await client.threads.updateState(threadId, {
      values: { topic: "chickens" },
      checkpointId: cpId,
    });
    const forkId = config.configurable?.checkpoint_id as string;
    expect(typeof forkId).toBe("string");
    const fork = await client.threads.getState(threadId, forkId);
    expect(fork.parent_checkpoint?.checkpoint_id).toBe(cpId);
    expect(fork.values).toMatchObject({ topic: "chickens" });
  });

  it("over grpc-js and Connect: checkpoint, configurable and checkpoint_id name the new checkpoint", async () => {
    const { threadId, cpId } = await jokeForkPoint();
    const values = { structValue: { fields: { topic: { stringValue: "chickens" } } } };
    const viaGrpc = await rpc.call("ThreadsService", "UpdateState", {
      thread_id: threadId,
      checkpoint_id: cpId,
      values,
    });
    const grpcId = (viaGrpc.checkpoint as RawMessage).checkpoint_id as string;
    expect(grpcId).toMatch(/^[0-9a-f-]{36}$/);
    expect(viaGrpc.checkpoint_id).toBe(grpcId);
    expect(viaGrpc.configurable).toMatchObject({
      thread_id: threadId,
      checkpoint_ns: "",
      checkpoint_id: grpcId,
    });

    const threads = createClient(
      ThreadsService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    );
    const viaConnect = await threads.updateState({
      threadId,
      checkpointId: cpId,
      values: {
        kind: {
          case: "structValue",
          value: { fields: { topic: { kind: { case: "stringValue", value: "ducks" } } } },
        },
      },
    });
    const connectId = viaConnect.checkpoint?.checkpointId as string;
    expect(connectId).not.toBe(grpcId);
    expect(viaConnect.checkpointId).toBe(connectId);
    expect(viaConnect.configurable).toMatchObject({ threadId, checkpointNs: "", checkpointId: connectId });
  });
});

describe("Request bytes that do not decode as protobuf answer INVALID_ARGUMENT (as connect-go), not INTERNAL", () => {
  /** Field 1, length 5, then one byte: a truncated message ("premature EOF"). */
  const GARBAGE = Uint8Array.of(0x0a, 0x05, 0x61);
  const UNARY = "/loom.v1.ThreadsService/Get";
  const STREAMING = "/loom.v1.RunsService/JoinStream";

  /** A length-prefixed message (gRPC, gRPC-Web and Connect streaming framing). */
  function envelope(message: Uint8Array, flags = 0): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(5 + message.length);
    out[0] = flags;
    new DataView(out.buffer).setUint32(1, message.length);
    out.set(message, 5);
    return out;
  }

  /** A raw HTTP/2 gRPC request with `GARBAGE` as its message: the grpc-status and grpc-message it ends with. */
  function rawGrpc(route: string): Promise<{ status: string; message: string }> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(server.baseUrl);
      let status = "none";
      let message = "";
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h["grpc-status"] === undefined) return;
        status = String(h["grpc-status"]);
        message = decodeURIComponent(String(h["grpc-message"] ?? ""));
      };
      const req = session.request({
        ":method": "POST",
        ":path": route,
        "content-type": "application/grpc",
        te: "trailers",
      });
      req.on("response", take);
      req.on("trailers", take);
      req.on("data", () => undefined);
      req.on("end", () => {
        session.close();
        resolve({ status, message });
      });
      req.on("error", reject);
      req.end(envelope(GARBAGE));
    });
  }

  /** The frames of a length-prefixed body: flags and data. */
  function frames(body: Buffer): Array<{ flags: number; data: Buffer }> {
    const out: Array<{ flags: number; data: Buffer }> = [];
    for (let at = 0; at + 5 <= body.length; ) {
      const length = body.readUInt32BE(at + 1);
      out.push({ flags: body[at] as number, data: body.subarray(at + 5, at + 5 + length) });
      at += 5 + length;
    }
    return out;
  }

  it("gRPC over raw HTTP/2 (unary and server-streaming): grpc-status 3", async () => {
    for (const route of [UNARY, STREAMING]) {
      const { status, message } = await rawGrpc(route);
      expect(status, route).toBe(String(grpc.status.INVALID_ARGUMENT));
      expect(message, route).toMatch(/parse binary/);
    }
  });

  it("Connect binary unary (application/proto): HTTP 400 invalid_argument", async () => {
    const res = await fetch(server.baseUrl + UNARY, {
      method: "POST",
      headers: { "content-type": "application/proto" },
      body: GARBAGE,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/parse binary/),
    });
  });

  it("Connect binary streaming (application/connect+proto): the end-stream error is invalid_argument", async () => {
    const res = await fetch(server.baseUrl + STREAMING, {
      method: "POST",
      headers: { "content-type": "application/connect+proto" },
      body: envelope(GARBAGE),
    });
    const end = frames(Buffer.from(await res.arrayBuffer())).find((f) => f.flags === 2);
    expect(JSON.parse(String(end?.data))).toMatchObject({ error: { code: "invalid_argument" } });
  });

  it("gRPC-Web (unary and server-streaming): the trailer frame carries grpc-status 3", async () => {
    for (const route of [UNARY, STREAMING]) {
      const res = await fetch(server.baseUrl + route, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto" },
        body: envelope(GARBAGE),
      });
      const trailer = frames(Buffer.from(await res.arrayBuffer())).find((f) => f.flags === 0x80);
      expect(String(trailer?.data), route).toMatch(/grpc-status: ?3\r\n/);
    }
  });

  it("well-formed binary requests still answer as before (Connect unary: NotFound for an unknown thread)", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    const threads = createClient(
      ThreadsService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
    );
    const error = await threads.get({ threadId: unknown }).catch((e: unknown) => e);
    expect(ConnectError.from(error).code).toBe(Code.NotFound);
    const created = await threads.create({});
    expect((await threads.get({ threadId: created.threadId })).threadId).toBe(created.threadId);
  });
});
