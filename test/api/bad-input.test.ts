/**
 * Bad input: every refused request gets the right 4xx with `{"detail": ...}` over REST and the
 * matching code over Connect, writes nothing, and the server keeps serving.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let B: string;
let threadsRpc: ReturnType<typeof createClient<typeof ThreadsService>>;
let runsRpc: ReturnType<typeof createClient<typeof RunsService>>;
const LIMIT = 64 * 1024;
const MISSING = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  server = await startApiServer("api_bad_input", { bodyLimitBytes: LIMIT });
  B = server.baseUrl;
  const transport = createConnectTransport({ baseUrl: B, httpVersion: "1.1" });
  threadsRpc = createClient(ThreadsService, transport);
  runsRpc = createClient(RunsService, transport);
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

async function newThread(): Promise<string> {
  return ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
}

/** What a refused request may not change: thread record, history, runs. */
async function snapshot(tid: string) {
  const thread = (await call(B, "GET", `/threads/${tid}`)).body as Obj;
  const history = (await call(B, "POST", `/threads/${tid}/history`, { limit: 1000 })).body;
  const runs = (await call(B, "GET", `/threads/${tid}/runs?limit=100`)).body;
  return { status: thread.status, values: thread.values, interrupts: thread.interrupts, history, runs };
}

async function expectCode(p: Promise<unknown>, code: Code, message?: RegExp) {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(code);
  if (message) expect((error as ConnectError).rawMessage).toMatch(message);
}

function expectDetail(r: { status: number; body: unknown }, status: number, detail: RegExp) {
  expect(r.status).toBe(status);
  expect(typeof (r.body as Obj).detail).toBe("string");
  expect((r.body as Obj).detail).toMatch(detail);
}

describe("malformed and mistyped bodies", () => {
  it("malformed JSON → 400, nothing created", async () => {
    const before = (await call(B, "POST", "/threads/count", {})).body;
    expectDetail(await call(B, "POST", "/threads", undefined, '{"metadata": '), 400, /Malformed JSON/);
    expect((await call(B, "POST", "/threads/count", {})).body).toBe(before);
  });

  it("a wrong type for a known field → 422 naming the field; Connect InvalidArgument", async () => {
    const tid = await newThread();
    const before = await snapshot(tid);
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: "agent",
        input: {},
        stream_mode: 5,
      }),
      422,
      /stream_mode/,
    );
    expectDetail(await call(B, "POST", "/threads/search", { limit: "ten" }), 422, /limit/);
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "agent", input: 7 }),
      422,
      /input/,
    );
    expect(await snapshot(tid)).toEqual(before);
    await expectCode(threadsRpc.search({ limit: 5000 }), Code.InvalidArgument, /limit/);
  });

  it("unknown fields are ignored (the documented update-state call sends assistant_id)", async () => {
    const r = await call(B, "POST", "/threads", { metadata: { a: 1 }, no_such_field: true });
    expect(r.status).toBe(200);
  });
});

describe("unknown ids", () => {
  it("unknown thread → 404 on get, state, history, runs; NotFound over Connect", async () => {
    expectDetail(await call(B, "GET", `/threads/${MISSING}`), 404, /not found/i);
    expectDetail(await call(B, "GET", `/threads/${MISSING}/state`), 404, /not found/i);
    expectDetail(
      await call(B, "POST", `/threads/${MISSING}/runs/wait`, { assistant_id: "agent", input: {} }),
      404,
      /not found/i,
    );
    expectDetail(await call(B, "DELETE", `/threads/${MISSING}`), 404, /not found/i);
    await expectCode(threadsRpc.get({ threadId: MISSING }), Code.NotFound);
    await expectCode(runsRpc.wait({ threadId: MISSING, assistantId: "agent" }), Code.NotFound);
  });

  it("unknown assistant → 404 'No assistant found', thread untouched", async () => {
    const tid = await newThread();
    const before = await snapshot(tid);
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "no-such-graph", input: {} }),
      404,
      /No assistant found for "no-such-graph"/,
    );
    expectDetail(await call(B, "GET", `/assistants/${MISSING}`), 404, /No assistant found/);
    expect(await snapshot(tid)).toEqual(before);
    await expectCode(runsRpc.wait({ threadId: tid, assistantId: MISSING }), Code.NotFound);
  });

  it("unknown run → 404", async () => {
    const tid = await newThread();
    expectDetail(await call(B, "GET", `/threads/${tid}/runs/${MISSING}`), 404, /Run not found/);
    expectDetail(await call(B, "GET", `/threads/${tid}/runs/${MISSING}/join`), 404, /Run not found/);
    expectDetail(await call(B, "POST", `/threads/${tid}/runs/${MISSING}/cancel`), 404, /Run not found/);
    await expectCode(runsRpc.get({ threadId: tid, runId: MISSING }), Code.NotFound);
  });

  it("unknown checkpoint → 404 on state, update and run; nothing written", async () => {
    const tid = await newThread();
    await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "joke", input: {} });
    const before = await snapshot(tid);
    expectDetail(await call(B, "GET", `/threads/${tid}/state/${MISSING}`), 404, /Checkpoint .* not found/);
    expectDetail(
      await call(B, "POST", `/threads/${tid}/state`, { checkpoint_id: MISSING, values: { topic: "x" } }),
      404,
      /not found/,
    );
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "joke", checkpoint_id: MISSING }),
      404,
      /not found/,
    );
    expect(await snapshot(tid)).toEqual(before);
    await expectCode(threadsRpc.getState({ threadId: tid, checkpointId: MISSING }), Code.NotFound);
  });

  it("a thread_id that is not a UUID → 422; InvalidArgument", async () => {
    expectDetail(await call(B, "GET", "/threads/not-a-uuid"), 422, /thread_id/);
    expectDetail(
      await call(B, "POST", "/threads/not-a-uuid/runs/wait", { assistant_id: "agent" }),
      422,
      /thread_id/,
    );
    expectDetail(await call(B, "POST", "/threads", { thread_id: "nope" }), 422, /thread_id/);
    await expectCode(threadsRpc.get({ threadId: "nope" }), Code.InvalidArgument);
  });
});

describe("graph-level refusals", () => {
  it("a plain resume with several pending interrupts → 422 naming the ids; nothing written", async () => {
    const tid = await newThread();
    const first = await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "parallel", input: {} });
    const ids = ((first.body as Obj).__interrupt__ as Obj[]).map((i) => i.id as string);
    expect(ids).toHaveLength(2);
    const before = await snapshot(tid);
    const r = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "parallel",
      command: { resume: "x" },
    });
    expectDetail(r, 422, /multiple pending interrupts/);
    for (const id of ids) expect((r.body as Obj).detail).toContain(id);
    expect(await snapshot(tid)).toEqual(before);
    await expectCode(
      runsRpc.wait({
        threadId: tid,
        assistantId: "parallel",
        command: { resume: { kind: { case: "stringValue", value: "x" } } },
      }),
      Code.InvalidArgument,
    );
    const streamed = await fetch(`${B}/threads/${tid}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "parallel", command: { resume: "x" } }),
    });
    expect(streamed.status).toBe(422);
    expect(((await streamed.json()) as Obj).detail).toMatch(/multiple pending interrupts/);
    // A background run too: refused before it is written, not left to fail in the queue.
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs`, { assistant_id: "parallel", command: { resume: "x" } }),
      422,
      /multiple pending interrupts/,
    );
    expect(await snapshot(tid)).toEqual(before);
    // A map resumes each; the server kept serving.
    const ok = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "parallel",
      command: { resume: { [ids[0] as string]: "A", [ids[1] as string]: "B" } },
    });
    expect(ok.body).toEqual({ a: "A", b: "B" });
  });

  it("an as_node that is not a node → 422; nothing written", async () => {
    const tid = await newThread();
    await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "joke", input: {} });
    const before = await snapshot(tid);
    expectDetail(
      await call(B, "POST", `/threads/${tid}/state`, { values: { topic: "x" }, as_node: "nope" }),
      422,
      /Node nope does not exist/,
    );
    expect(await snapshot(tid)).toEqual(before);
    await expectCode(
      threadsRpc.updateState({
        threadId: tid,
        asNode: "nope",
        values: { kind: { case: "nullValue", value: 0 } },
      }),
      Code.InvalidArgument,
    );
  });

  it("interrupt_before naming an unknown node → 422; nothing written", async () => {
    const tid = await newThread();
    const before = await snapshot(tid);
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: "breakpoints",
        input: { messages: [] },
        interrupt_before: ["node_x"],
      }),
      422,
      /interrupt_before names unknown node\(s\): node_x/,
    );
    expect(await snapshot(tid)).toEqual(before);
    await expectCode(
      runsRpc.wait({ threadId: tid, assistantId: "breakpoints", interruptAfter: ["zzz"] }),
      Code.InvalidArgument,
    );
  });
});

describe("conflicts and limits", () => {
  it("a duplicate thread id → 409 unless if_exists do_nothing; AlreadyExists over Connect", async () => {
    const tid = await newThread();
    expectDetail(
      await call(B, "POST", "/threads", { thread_id: tid, metadata: { x: 1 } }),
      409,
      /already exists/,
    );
    const same = await call(B, "POST", "/threads", {
      thread_id: tid,
      if_exists: "do_nothing",
      metadata: { x: 1 },
    });
    expect(same.status).toBe(200);
    expect((same.body as Obj).metadata).toEqual({});
    await expectCode(threadsRpc.create({ threadId: tid }), Code.AlreadyExists);
  });

  it("update_state and a second run on a busy thread → 409; FailedPrecondition", async () => {
    const tid = await newThread();
    await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "slow", input: { ms: 1 } });
    const running = call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "slow",
      input: { ms: 1500 },
    });
    for (let i = 0; i < 50; i++) {
      if (((await call(B, "GET", `/threads/${tid}`)).body as Obj).status === "busy") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const historyBefore = (await call(B, "POST", `/threads/${tid}/history`, { limit: 1000 })).body as Obj[];
    expectDetail(
      await call(B, "POST", `/threads/${tid}/state`, { values: { ms: 3 } }),
      409,
      /^Thread is busy$/,
    );
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: "slow",
        input: { ms: 1 },
        multitask_strategy: "reject",
      }),
      409,
      /already running a task/,
    );
    await expectCode(threadsRpc.updateState({ threadId: tid }), Code.FailedPrecondition, /Thread is busy/);
    await expectCode(
      runsRpc.wait({ threadId: tid, assistantId: "slow", multitaskStrategy: "reject" }),
      Code.FailedPrecondition,
    );
    const historyNow = (await call(B, "POST", `/threads/${tid}/history`, { limit: 1000 })).body as Obj[];
    expect(historyNow.length).toBeGreaterThanOrEqual(historyBefore.length);
    expect(historyNow.every((s) => (s.metadata as Obj).source !== "update")).toBe(true);
    expect((await running).body).toEqual({ ms: 1500, done: true });
    const runs = (await call(B, "GET", `/threads/${tid}/runs`)).body as Obj[];
    expect(runs).toHaveLength(2);
  });

  it("a body over the limit → 413; ResourceExhausted over Connect; the server keeps serving", async () => {
    const before = (await call(B, "POST", "/threads/count", {})).body;
    const big = JSON.stringify({ metadata: { blob: "x".repeat(LIMIT + 10) } });
    expectDetail(await call(B, "POST", "/threads", undefined, big), 413, /exceeds the limit/);
    await expectCode(
      threadsRpc.create({ metadata: { blob: "x".repeat(LIMIT + 10) } }),
      Code.ResourceExhausted,
    );
    expect((await call(B, "POST", "/threads/count", {})).body).toBe(before);
    expect((await call(B, "GET", "/ok")).body).toEqual({ ok: true });
  });

  it("unknown routes → 404, wrong verbs → 405, both with detail", async () => {
    expectDetail(await call(B, "GET", "/nope"), 404, /Not Found/);
    expectDetail(await call(B, "PUT", "/threads"), 405, /Method Not Allowed/);
  });

  it("PATCH /threads/{id}/state (the JS SDK's patchState) is not served: 405 allowing GET and POST, nothing written", async () => {
    const thread = (await call(B, "POST", "/threads", { metadata: { a: 1 } })).body as Record<
      string,
      unknown
    >;
    const id = thread.thread_id as string;
    const res = await call(B, "PATCH", `/threads/${id}/state`, { metadata: { b: 2 } });
    expect([res.status, res.body]).toEqual([405, { detail: "Method Not Allowed" }]);
    expect(res.headers.get("allow")?.split(/,\s*/).sort()).toEqual(["GET", "POST"]);
    const sdk = new Client({ apiUrl: B, callerOptions: { maxRetries: 0 } });
    const err = await sdk.threads.patchState(id, { b: 2 }).catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(405);
    expect((await call(B, "GET", `/threads/${id}`)).body).toEqual(thread);
  });
});
