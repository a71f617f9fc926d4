/**
 * Deadlines and disconnects (docs/runs.md "Deadlines and disconnects"): a `Join`, `Wait` or
 * stream on a run that is still going answers DEADLINE_EXCEEDED at the request's `grpc-timeout` /
 * `connect-timeout-ms` and frees its waiter (`App.waiters`); what the run does then: a `Wait` or `Stream` follows
 * `on_disconnect` (`cancel` ends it interrupted, `continue` lets it finish), a `Join` / `JoinStream` only stops
 * watching. Over grpc-js (whose own timer would hide a server that ignores deadlines, so also raw HTTP/2 without
 * any client timer), Connect JSON through `fetch`, and REST disconnects.
 */
import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JoinRunRequestSchema } from "../../gen/ts/loom/v1/runs_pb.js";
import { type GrpcClients, grpc, grpcClients, type RawMessage, toValue } from "../support/grpc-client.js";
import { until } from "../support/until.js";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let B: string;
let rpc: GrpcClients;

beforeAll(async () => {
  server = await startApiServer("api_deadlines");
  B = server.baseUrl;
  rpc = grpcClients(server.port);
});
afterAll(async () => {
  rpc?.close();
  await server?.close();
});
// Every test's abandoned waits must be gone before the next one starts (no waiter outlives its request).
afterEach(async () => {
  await until("waiters released", () => server.waiters() === 0);
});

type Obj = Record<string, unknown>;

/** Deadline of every request here; the runs take far longer. */
const DEADLINE_MS = 300;
/** An answer "at the deadline": well before the run could have ended. */
const PROMPT_MS = 2000;
/** How long the `slow` runs here take: longer than PROMPT_MS even on a loaded two-core machine. */
const RUN_MS = 3000;

async function newThread(): Promise<string> {
  return ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
}

/** A background `slow` run of `ms` on a new thread. */
async function slowRun(ms: number): Promise<{ threadId: string; runId: string }> {
  const threadId = await newThread();
  const r = await call(B, "POST", `/threads/${threadId}/runs`, { assistant_id: "slow", input: { ms } });
  expect(r.status).toBe(200);
  return { threadId, runId: (r.body as { run_id: string }).run_id };
}

async function runStatus(threadId: string, runId: string): Promise<string> {
  return ((await call(B, "GET", `/threads/${threadId}/runs/${runId}`)).body as Obj).status as string;
}

/** The thread's only run (a `Wait` that failed gives no run id). */
async function onlyRun(threadId: string): Promise<Obj> {
  await until(
    "run",
    async () => ((await call(B, "GET", `/threads/${threadId}/runs`)).body as Obj[]).length > 0,
  );
  return ((await call(B, "GET", `/threads/${threadId}/runs`)).body as Obj[])[0] as Obj;
}

async function ends(threadId: string, runId: string, status: string): Promise<void> {
  await until(`run ${status}`, async () => (await runStatus(threadId, runId)) === status, {
    timeoutMs: 8000,
  });
}

async function timed<T>(p: Promise<T>): Promise<{ result: T | undefined; error: unknown; ms: number }> {
  const start = Date.now();
  try {
    return { result: await p, error: undefined, ms: Date.now() - start };
  } catch (error) {
    return { result: undefined, error, ms: Date.now() - start };
  }
}

/** The server's waiters are all gone within 500 ms: long before the run (≥ 1 s) could have ended and freed them. */
const released = () => until("waiters released", () => server.waiters() === 0, { timeoutMs: 500 });

const deadline = () => ({ deadline: new Date(Date.now() + DEADLINE_MS) });

/**
 * A raw HTTP/2 gRPC call with a `grpc-timeout` header and no client-side timer: the answer can only come from the
 * server. Resolves with the `grpc-status` (headers or trailers) and the time it took; "none" after 5 s.
 */
function rawGrpc(method: string, message: Uint8Array): Promise<{ status: string; ms: number }> {
  return new Promise((resolve) => {
    const start = Date.now();
    const session = http2.connect(B);
    let status = "none";
    const finish = () => {
      clearTimeout(guard);
      session.close();
      resolve({ status, ms: Date.now() - start });
    };
    const guard = setTimeout(() => {
      req.close();
      finish();
    }, 5000);
    const req = session.request({
      ":method": "POST",
      ":path": `/loom.v1.RunsService/${method}`,
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": `${DEADLINE_MS}m`,
    });
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    Buffer.from(message).copy(frame, 5);
    req.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]);
    });
    req.on("trailers", (trailers) => {
      status = String(trailers["grpc-status"]);
    });
    req.on("data", () => undefined);
    req.on("end", finish);
    req.on("error", finish);
    req.end(frame);
  });
}

/** A Connect JSON request through `fetch` (no client timer) with `connect-timeout-ms`. */
function connectJson(method: string, body: Obj, streaming = false): Promise<Response> {
  const json = new TextEncoder().encode(JSON.stringify(body));
  let payload: Uint8Array<ArrayBuffer> = json;
  if (streaming) {
    payload = new Uint8Array(5 + json.length);
    new DataView(payload.buffer).setUint32(1, json.length);
    payload.set(json, 5);
  }
  return fetch(`${B}/loom.v1.RunsService/${method}`, {
    method: "POST",
    headers: {
      "content-type": streaming ? "application/connect+json" : "application/json",
      "connect-protocol-version": "1",
      "connect-timeout-ms": String(DEADLINE_MS),
    },
    body: payload,
    signal: AbortSignal.timeout(5000),
  });
}

/** The envelopes of a Connect streaming response body: `{flags, json}`. */
function envelopes(bytes: Uint8Array): Array<{ flags: number; json: Obj }> {
  const out: Array<{ flags: number; json: Obj }> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 5 <= bytes.length; ) {
    const length = view.getUint32(at + 1);
    const data = bytes.subarray(at + 5, at + 5 + length);
    out.push({ flags: bytes[at] as number, json: JSON.parse(new TextDecoder().decode(data)) as Obj });
    at += 5 + length;
  }
  return out;
}

describe("gRPC (grpc-js): Join and JoinStream only stop watching", () => {
  it("Join with a deadline on a running run: DEADLINE_EXCEEDED at the deadline; the run goes on to success", async () => {
    const { threadId, runId } = await slowRun(RUN_MS);
    const joined = timed(rpc.call("RunsService", "Join", { thread_id: threadId, run_id: runId }, deadline()));
    const { error, ms } = await joined;
    expect((error as grpc.ServiceError).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(ms).toBeLessThan(PROMPT_MS);
    await released();
    expect(await runStatus(threadId, runId)).not.toBe("interrupted");
    await ends(threadId, runId, "success");
  });

  it("JoinStream with a deadline: the stream ends DEADLINE_EXCEEDED after the metadata part; the run goes on", async () => {
    const { threadId, runId } = await slowRun(RUN_MS);
    const parts: RawMessage[] = [];
    const start = Date.now();
    const code = await new Promise<number>((resolve) => {
      const stream = rpc.stream(
        "RunsService",
        "JoinStream",
        { thread_id: threadId, run_id: runId },
        deadline(),
      );
      stream.on("data", (p: RawMessage) => parts.push(p));
      stream.on("error", (e: grpc.ServiceError) => resolve(e.code));
      stream.on("end", () => resolve(grpc.status.OK));
    });
    expect(code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - start).toBeLessThan(PROMPT_MS);
    expect(parts[0]?.event).toBe("metadata");
    await released();
    await ends(threadId, runId, "success");
  });
});

describe("gRPC over raw HTTP/2: the server itself applies grpc-timeout (no client timer)", () => {
  const message = (threadId: string, runId: string) =>
    toBinary(JoinRunRequestSchema, create(JoinRunRequestSchema, { threadId, runId }));

  it("Join answers grpc-status 4 at the deadline", async () => {
    const { threadId, runId } = await slowRun(RUN_MS);
    const { status, ms } = await rawGrpc("Join", message(threadId, runId));
    expect(status).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    expect(ms).toBeLessThan(PROMPT_MS);
    await released();
    await ends(threadId, runId, "success");
  });

  it("JoinStream ends with grpc-status 4 at the deadline", async () => {
    const { threadId, runId } = await slowRun(RUN_MS);
    const { status, ms } = await rawGrpc("JoinStream", message(threadId, runId));
    expect(status).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    expect(ms).toBeLessThan(PROMPT_MS);
    await released();
    await ends(threadId, runId, "success");
  });
});

describe("gRPC (grpc-js): a Wait whose deadline passes follows on_disconnect", () => {
  it('on_disconnect "cancel": DEADLINE_EXCEEDED, and the run ends interrupted', async () => {
    const threadId = await newThread();
    const req = {
      thread_id: threadId,
      assistant_id: "slow",
      input: toValue({ ms: 5000 }),
      on_disconnect: "cancel",
    };
    const { error, ms } = await timed(rpc.call("RunsService", "Wait", req, deadline()));
    expect((error as grpc.ServiceError).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(ms).toBeLessThan(PROMPT_MS);
    await released();
    const run = await onlyRun(threadId);
    await ends(threadId, run.run_id as string, "interrupted");
  });

  it('on_disconnect "continue" (default): DEADLINE_EXCEEDED, and the run finishes', async () => {
    const threadId = await newThread();
    const req = { thread_id: threadId, assistant_id: "slow", input: toValue({ ms: RUN_MS }) };
    const { error } = await timed(rpc.call("RunsService", "Wait", req, deadline()));
    expect((error as grpc.ServiceError).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await released();
    const run = await onlyRun(threadId);
    await ends(threadId, run.run_id as string, "success");
  });

  it('Stream with on_disconnect "cancel": the stream ends DEADLINE_EXCEEDED and the run interrupted', async () => {
    const threadId = await newThread();
    const req = {
      thread_id: threadId,
      assistant_id: "slow",
      input: toValue({ ms: 5000 }),
      on_disconnect: "cancel",
    };
    const code = await new Promise<number>((resolve) => {
      const stream = rpc.stream("RunsService", "Stream", req, deadline());
      stream.on("data", () => undefined);
      stream.on("error", (e: grpc.ServiceError) => resolve(e.code));
      stream.on("end", () => resolve(grpc.status.OK));
    });
    expect(code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await released();
    const run = await onlyRun(threadId);
    await ends(threadId, run.run_id as string, "interrupted");
  });
});

describe("Connect JSON (fetch, connect-timeout-ms)", () => {
  it("Join answers 504 deadline_exceeded at the deadline; the run goes on", async () => {
    const { threadId, runId } = await slowRun(RUN_MS);
    const { result, ms } = await timed(connectJson("Join", { thread_id: threadId, run_id: runId }));
    expect(result?.status).toBe(504);
    expect(await result?.json()).toMatchObject({ code: "deadline_exceeded" });
    expect(ms).toBeLessThan(PROMPT_MS);
    await released();
    await ends(threadId, runId, "success");
  });

  it("JoinStream ends with a deadline_exceeded end-stream message", async () => {
    const { threadId, runId } = await slowRun(RUN_MS);
    const start = Date.now();
    const res = await connectJson("JoinStream", { thread_id: threadId, run_id: runId }, true);
    expect(res.status).toBe(200);
    const messages = envelopes(new Uint8Array(await res.arrayBuffer()));
    expect(Date.now() - start).toBeLessThan(PROMPT_MS);
    expect(messages[0]?.json).toMatchObject({ event: "metadata" });
    expect(messages.at(-1)).toMatchObject({ flags: 2, json: { error: { code: "deadline_exceeded" } } });
    await released();
    await ends(threadId, runId, "success");
  });

  it('Wait with on_disconnect "cancel": deadline_exceeded, and the run ends interrupted', async () => {
    const threadId = await newThread();
    const res = await connectJson("Wait", {
      thread_id: threadId,
      assistant_id: "slow",
      input: { ms: 5000 },
      on_disconnect: "cancel",
    });
    expect(res.status).toBe(504);
    expect(((await res.json()) as Obj).code).toBe("deadline_exceeded");
    await released();
    const run = await onlyRun(threadId);
    await ends(threadId, run.run_id as string, "interrupted");
  });

  it('Create with on_disconnect "cancel" is not cancelled when its answer completes (background run)', async () => {
    const threadId = await newThread();
    const res = await connectJson("Create", {
      thread_id: threadId,
      assistant_id: "slow",
      input: { ms: 300 },
      on_disconnect: "cancel",
    });
    expect(res.status).toBe(200);
    const run = (await res.json()) as Obj;
    await ends(threadId, run.run_id as string, "success");
  });
});

describe("REST: a client that disconnects from runs/wait", () => {
  /** Starts `POST /threads/{t}/runs/wait` and drops the connection after `DEADLINE_MS`. */
  async function waitThenDrop(threadId: string, body: Obj): Promise<void> {
    const controller = new AbortController();
    const pending = fetch(`${B}/threads/${threadId}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
    }).then((res) => res.text());
    await new Promise((r) => setTimeout(r, DEADLINE_MS));
    controller.abort();
    await pending.catch(() => undefined);
  }

  it('on_disconnect "cancel": the run ends interrupted and the wait is released', async () => {
    const threadId = await newThread();
    await waitThenDrop(threadId, { assistant_id: "slow", input: { ms: 5000 }, on_disconnect: "cancel" });
    const run = await onlyRun(threadId);
    await ends(threadId, run.run_id as string, "interrupted");
  });

  it('on_disconnect "continue" (default): the run finishes', async () => {
    const threadId = await newThread();
    await waitThenDrop(threadId, { assistant_id: "slow", input: { ms: RUN_MS } });
    await released();
    const run = await onlyRun(threadId);
    expect(run.status).toBe("running");
    await ends(threadId, run.run_id as string, "success");
  });

  it("join: a client that leaves frees its waiter; the run finishes", async () => {
    const { threadId, runId } = await slowRun(RUN_MS);
    const controller = new AbortController();
    const pending = fetch(`${B}/threads/${threadId}/runs/${runId}/join`, { signal: controller.signal });
    await until("the join waits", () => server.waiters() > 0);
    controller.abort();
    await pending.catch(() => undefined);
    await released();
    await ends(threadId, runId, "success");
  });
});
