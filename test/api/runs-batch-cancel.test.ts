/**
 * `POST /runs/batch` and `POST /runs/cancel` (docs/api.md §3, as langgraph-api 0.16.7) through the JS SDK, raw REST
 * and Connect: a batch creates one stateless run per item, and a batch with one bad item is refused 422 naming
 * the item's index and field with no run created; cancel-many by `thread_id` + `run_ids` (interrupt and rollback)
 * and by `status`, and its refusals.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssistantsService } from "../../gen/ts/loom/v1/assistants_pb.js";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let sdk: Client;
let runsRpc: ReturnType<typeof createClient<typeof RunsService>>;
let threadsRpc: ReturnType<typeof createClient<typeof ThreadsService>>;
let assistantsRpc: ReturnType<typeof createClient<typeof AssistantsService>>;
type Obj = Record<string, unknown>;

beforeAll(async () => {
  server = await startApiServer("runs_batch_cancel");
  sdk = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
  const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" });
  runsRpc = createClient(RunsService, transport);
  threadsRpc = createClient(ThreadsService, transport);
  assistantsRpc = createClient(AssistantsService, transport);
});
afterAll(async () => {
  await server?.close();
});

const runCount = () => server.testDb.db.collection("runs").countDocuments();

async function busyThread() {
  const thread = await sdk.threads.create();
  const first = await sdk.runs.create(thread.thread_id, "slow", { input: { ms: 10_000 } });
  await expect.poll(async () => (await sdk.runs.get(thread.thread_id, first.run_id)).status).toBe("running");
  // No multitask_strategy: enqueued behind the first (the default).
  const second = await sdk.runs.create(thread.thread_id, "slow", { input: { ms: 1 } });
  expect(second.status).toBe("pending");
  return { threadId: thread.thread_id, first, second };
}

describe("POST /runs/batch", () => {
  it("creates one stateless run per item, in order, and each runs to its end", async () => {
    const viaSdk = await sdk.runs.createBatch([
      { assistantId: "slow", input: { ms: 1 } },
      { assistantId: "slow", input: { ms: 1 } },
    ]);
    expect(viaSdk).toHaveLength(2);
    expect(new Set(viaSdk.map((r) => r.run_id)).size).toBe(2);
    const res = await call(server.baseUrl, "POST", "/runs/batch", [
      { assistant_id: "slow", input: { ms: 1 }, on_completion: "keep" },
      { assistant_id: "slow", input: { ms: 2 }, on_completion: "keep", stream_mode: "values" },
    ]);
    expect(res.status).toBe(200);
    const runs = res.body as Array<{ run_id: string; thread_id: string; kwargs: { input: { ms: number } } }>;
    expect(runs.map((r) => r.kwargs.input)).toEqual([{ ms: 1 }, { ms: 2 }]);
    for (const run of runs) {
      expect(await sdk.runs.join(run.thread_id, run.run_id)).toEqual({ ms: run.kwargs.input.ms, done: true });
    }
  });

  it("one bad item: 422 naming its index and field, and no run created (REST and Connect)", async () => {
    const before = await runCount();
    const res = await call(server.baseUrl, "POST", "/runs/batch", [
      { assistant_id: "slow", input: { ms: 1 } },
      { input: { ms: 1 } },
      { assistant_id: "slow", input: { ms: 1 } },
    ]);
    expect(res.status).toBe(422);
    expect((res.body as Obj).detail).toMatch(/runs\[1\]\.assistant_id/);
    const badMode = await call(server.baseUrl, "POST", "/runs/batch", [
      { assistant_id: "slow", input: { ms: 1 } },
      { assistant_id: "slow", input: { ms: 1 }, multitask_strategy: "nope" },
    ]);
    expect(badMode.status).toBe(422);
    expect((badMode.body as Obj).detail).toMatch(/runs\[1\]\.multitask_strategy/);
    const err = await runsRpc
      .createBatch({ runs: [{ assistantId: "slow" }, { assistantId: "slow", afterSeconds: -1 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/runs\[1\]\.after_seconds/);
    expect(await runCount()).toBe(before);
  });
});

describe("POST /runs/cancel", () => {
  it("thread_id + run_ids: the running and the pending run end interrupted (204)", async () => {
    const { threadId, first, second } = await busyThread();
    const res = await call(server.baseUrl, "POST", "/runs/cancel", {
      thread_id: threadId,
      run_ids: [first.run_id, second.run_id],
    });
    expect(res.status).toBe(204);
    await expect.poll(async () => (await sdk.runs.get(threadId, first.run_id)).status).toBe("interrupted");
    expect((await sdk.runs.get(threadId, second.run_id)).status).toBe("interrupted");
    await expect.poll(async () => (await sdk.threads.get(threadId)).status).toBe("idle");
  });

  it("?action=rollback: the runs are deleted", async () => {
    const { threadId, first, second } = await busyThread();
    const res = await call(server.baseUrl, "POST", "/runs/cancel?action=rollback", {
      thread_id: threadId,
      run_ids: [first.run_id, second.run_id],
    });
    expect(res.status).toBe(204);
    await expect.poll(async () => (await sdk.runs.list(threadId)).length).toBe(0);
  });

  it("status=pending cancels pending runs on every thread and leaves running ones", async () => {
    const a = await busyThread();
    const res = await call(server.baseUrl, "POST", "/runs/cancel", { status: "pending" });
    expect(res.status).toBe(204);
    expect((await sdk.runs.get(a.threadId, a.second.run_id)).status).toBe("interrupted");
    expect((await sdk.runs.get(a.threadId, a.first.run_id)).status).toBe("running");
    await runsRpc.cancelMany({ filter: { status: "running" } });
    await expect
      .poll(async () => (await sdk.runs.get(a.threadId, a.first.run_id)).status)
      .toBe("interrupted");
  });

  it("refusals: bad status, status with thread_id, a bad or unknown run id", async () => {
    const thread = await sdk.threads.create();
    const bad = await call(server.baseUrl, "POST", "/runs/cancel", { status: "done" });
    expect(bad.status).toBe(422);
    expect((bad.body as Obj).detail).toMatch(/must be 'pending', 'running', or 'all'/);
    const both = await call(server.baseUrl, "POST", "/runs/cancel", {
      status: "all",
      thread_id: thread.thread_id,
    });
    expect(both.status).toBe(422);
    const notUuid = await call(server.baseUrl, "POST", "/runs/cancel", {
      thread_id: thread.thread_id,
      run_ids: ["x"],
    });
    expect(notUuid.status).toBe(422);
    const unknown = await call(server.baseUrl, "POST", "/runs/cancel", {
      thread_id: thread.thread_id,
      run_ids: ["00000000-0000-4000-8000-000000000000"],
    });
    expect(unknown.status).toBe(404);
  });

  it("a refused cancel changes nothing: the runs it named keep their status (REST)", async () => {
    const { threadId, first, second } = await busyThread();
    const named = [first.run_id, second.run_id];
    const unknownId = "00000000-0000-4000-8000-000000000000";
    const refusals: Array<[Obj, number]> = [
      [{ thread_id: threadId, run_ids: [...named, "x"] }, 422],
      [{ thread_id: threadId, run_ids: [...named, unknownId] }, 404],
      [{ status: "all", thread_id: threadId, run_ids: named }, 422],
      [{ status: "done" }, 422],
    ];
    for (const [body, status] of refusals) {
      const res = await call(server.baseUrl, "POST", "/runs/cancel?action=rollback", body);
      expect(res.status, JSON.stringify(body)).toBe(status);
    }
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("running");
    expect((await sdk.runs.get(threadId, second.run_id)).status).toBe("pending");
    await runsRpc.cancelMany({ filter: { threadId, runIds: named } });
    await expect.poll(async () => (await sdk.threads.get(threadId)).status).toBe("idle");
  });

  it("refusals over Connect: InvalidArgument naming the field, NotFound for an unknown run; nothing cancelled", async () => {
    const { threadId, first, second } = await busyThread();
    const named = [first.run_id, second.run_id];
    const refused = (req: Parameters<typeof runsRpc.cancelMany>[0]) =>
      runsRpc.cancelMany(req).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    const cases: Array<[Parameters<typeof runsRpc.cancelMany>[0], Code, RegExp]> = [
      [{ filter: { status: "done" } }, Code.InvalidArgument, /Invalid status/],
      [{ filter: { status: "all", threadId, runIds: named } }, Code.InvalidArgument, /'status'.*'thread_id'/],
      [{ filter: { threadId: "nope", runIds: named } }, Code.InvalidArgument, /thread_id/],
      [{ filter: { threadId, runIds: [] } }, Code.InvalidArgument, /run_ids/],
      [{ filter: { threadId, runIds: [...named, "x"] } }, Code.InvalidArgument, /run_ids/],
      [
        { filter: { threadId, runIds: [...named, "00000000-0000-4000-8000-000000000000"] } },
        Code.NotFound,
        /Run not found/,
      ],
    ];
    for (const [req, code, message] of cases) {
      const err = await refused(req);
      expect(err?.code, JSON.stringify(req.filter)).toBe(code);
      expect(err?.rawMessage).toMatch(message);
    }
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("running");
    expect((await sdk.runs.get(threadId, second.run_id)).status).toBe("pending");
    await runsRpc.cancelMany({ filter: { threadId, runIds: named } });
    await expect.poll(async () => (await sdk.threads.get(threadId)).status).toBe("idle");
  });
});

describe("select on searches", () => {
  it("threads, assistants and runs answer only the named fields; an unknown field is 422", async () => {
    const thread = await sdk.threads.create();
    const threads = await call(server.baseUrl, "POST", "/threads/search", {
      select: ["thread_id", "status"],
    });
    expect(threads.status).toBe(200);
    for (const t of threads.body as Obj[]) expect(Object.keys(t).sort()).toEqual(["status", "thread_id"]);
    const assistants = await call(server.baseUrl, "POST", "/assistants/search", { select: ["assistant_id"] });
    for (const a of assistants.body as Obj[]) expect(Object.keys(a)).toEqual(["assistant_id"]);
    await sdk.runs.wait(thread.thread_id, "slow", { input: { ms: 1 } });
    const runs = await call(
      server.baseUrl,
      "GET",
      `/threads/${thread.thread_id}/runs?select=run_id&select=status`,
    );
    expect(runs.body).toEqual([expect.objectContaining({ status: "success" })]);
    expect(Object.keys((runs.body as Obj[])[0] as Obj).sort()).toEqual(["run_id", "status"]);
    const bad = await call(server.baseUrl, "POST", "/threads/search", { select: ["nope"] });
    expect(bad.status).toBe(422);
    expect((bad.body as Obj).detail).toMatch(/nope/);
  });

  it("over Connect: select clears the other fields; an unknown select or extract field is InvalidArgument naming it", async () => {
    const thread = await sdk.threads.create({ metadata: { who: "select" } });
    await sdk.runs.wait(thread.thread_id, "slow", { input: { ms: 1 } });
    const selected = await threadsRpc.search({
      metadata: { who: "select" },
      select: ["thread_id", "status"],
    });
    expect(selected.threads.map((t) => t.threadId)).toEqual([thread.thread_id]);
    expect(selected.threads[0]?.status).toBe("idle");
    expect(selected.threads[0]?.metadata).toBeUndefined();
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    const refusals: Array<[Promise<unknown>, RegExp]> = [
      [threadsRpc.search({ select: ["thread_id", "nope"] }), /select has unknown field 'nope'/],
      [assistantsRpc.search({ select: ["nope"] }), /select has unknown field 'nope'/],
      [runsRpc.list({ threadId: thread.thread_id, select: ["nope"] }), /select has unknown field 'nope'/],
      [threadsRpc.search({ extract: { a: "secret.x" } }), /'secret\.x'/],
      [assistantsRpc.search({ extract: { a: "values.x" } }), /'values\.x'/],
      [runsRpc.list({ threadId: thread.thread_id, extract: { a: "values.x" } }), /'values\.x'/],
    ];
    for (const [call, message] of refusals) {
      const err = await refusal(call);
      expect(err?.code, String(message)).toBe(Code.InvalidArgument);
      expect(err?.rawMessage).toMatch(message);
    }
  });
});
