/**
 * Thread TTL and pruning (docs/api.md §3 "Thread TTL"): `ttl` on create and update (the JS SDK's
 * `threads.create({ttl})`, `threads.update({ttl})`), stored as `ttl {strategy, ttl_minutes, expires_at}`; the
 * sweeper (`LOOM_THREAD_SWEEP_MS`, short here) deletes an expired thread with its runs and checkpoints, or keeps
 * only its latest checkpoint for `keep_latest`; `POST /threads/prune` with both strategies, over REST and Connect.
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { call, projectRoot } from "./support.js";

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer("api_thread_ttl", {
    configPath: path.join(projectRoot, "test/api/loom.test.json"),
    threadSweepMs: 100,
  });
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

/** A Connect (JSON) call of ThreadsService method `method`: the HTTP status and the JSON answer. */
async function connectCall(method: string, body: Obj): Promise<{ status: number; body: Obj }> {
  const res = await fetch(`${server.baseUrl}/loom.v1.ThreadsService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

const checkpoints = (threadId: string) =>
  server.testDb.db.collection("checkpoints").countDocuments({ thread_id: threadId });
const runs = (threadId: string) =>
  server.testDb.db.collection("runs").countDocuments({ thread_id: threadId });

/** A thread with two finished joke runs (several checkpoints). */
async function threadWithRuns(): Promise<string> {
  const thread = await client.threads.create();
  await client.runs.wait(thread.thread_id, "joke", { input: {} });
  await client.runs.wait(thread.thread_id, "joke", { input: { topic: "owls" } });
  return thread.thread_id;
}

describe("thread TTL", () => {
  it("threads.create({ttl}) stores the TTL; a long one keeps the thread", async () => {
    const before = Date.now();
    const thread = (await client.threads.create({ ttl: 60 })) as unknown as Obj;
    const ttl = thread.ttl as Obj;
    expect(ttl).toMatchObject({ strategy: "delete", ttl_minutes: 60 });
    const expiresAt = Date.parse(String(ttl.expires_at));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60 * 60_000 - 1000);
    expect(((await client.threads.get(String(thread.thread_id))) as unknown as Obj).ttl).toEqual(ttl);
  });

  it("an expired thread is swept with its runs and checkpoints", async () => {
    const threadId = await threadWithRuns();
    expect(await checkpoints(threadId)).toBeGreaterThan(0);
    const updated = (await client.threads.update(threadId, {
      ttl: { ttl: 0.005, strategy: "delete" },
    })) as unknown as Obj;
    expect((updated.ttl as Obj).ttl_minutes).toBe(0.005);
    await until(
      "the thread to be swept",
      async () => (await call(server.baseUrl, "GET", `/threads/${threadId}`)).status === 404,
    );
    expect(await checkpoints(threadId)).toBe(0);
    expect(await runs(threadId)).toBe(0);
  });

  it("keep_latest keeps the thread and only its latest checkpoint", async () => {
    const threadId = await threadWithRuns();
    const values = (await client.threads.getState(threadId)).values;
    expect(await checkpoints(threadId)).toBeGreaterThan(1);
    // The JS SDK types `strategy` as "delete" only; the API takes both.
    const patched = await call(server.baseUrl, "PATCH", `/threads/${threadId}`, {
      ttl: { ttl: 0.005, strategy: "keep_latest" },
    });
    expect(patched.status).toBe(200);
    // The sweep prunes the checkpoints, then clears the thread's TTL: wait for both.
    await until(
      "old checkpoints pruned and the TTL cleared",
      async () =>
        (await checkpoints(threadId)) === 1 &&
        ((await client.threads.get(threadId)) as unknown as Obj).ttl === undefined,
    );
    expect((await client.threads.getState(threadId)).values).toEqual(values);
  });

  it("a bad ttl is refused with 422 and nothing written", async () => {
    const count = await server.testDb.db.collection("threads").countDocuments();
    for (const ttl of [{ ttl: 5, strategy: "forever" }, { ttl: -1 }, { ttl: 0 }]) {
      const res = await call(server.baseUrl, "POST", "/threads", { ttl });
      expect(res.status, JSON.stringify(ttl)).toBe(422);
    }
    expect(await server.testDb.db.collection("threads").countDocuments()).toBe(count);
  });

  it("over Connect: a bad ttl on Create or Update is InvalidArgument naming it, and nothing is written", async () => {
    const count = await server.testDb.db.collection("threads").countDocuments();
    const bad: Array<[Obj, RegExp]> = [
      [{ ttl: 5, strategy: "forever" }, /Invalid strategy: forever/],
      [{ ttl: -1 }, /ttl\.ttl must be a positive number/],
      [{ ttl: 0 }, /ttl\.ttl must be a positive number/],
    ];
    for (const [ttl, message] of bad) {
      const res = await connectCall("Create", { ttl });
      expect(res.body.code, JSON.stringify(ttl)).toBe("invalid_argument");
      expect(String(res.body.message)).toMatch(message);
    }
    expect(await server.testDb.db.collection("threads").countDocuments()).toBe(count);

    const thread = await client.threads.create({ metadata: { keep: 1 }, ttl: 60 });
    const before = await client.threads.get(thread.thread_id);
    for (const [ttl, message] of bad) {
      const res = await connectCall("Update", {
        thread_id: thread.thread_id,
        metadata: { keep: 2 },
        ttl,
      });
      expect(res.body.code, JSON.stringify(ttl)).toBe("invalid_argument");
      expect(String(res.body.message)).toMatch(message);
    }
    expect(await client.threads.get(thread.thread_id)).toEqual(before);

    const missing = "0b3f9a50-8f3c-4bd4-9a0e-4d1f7c2a9e56";
    const unknown = await connectCall("Update", { thread_id: missing, ttl: { ttl: 5 } });
    expect(unknown.body.code).toBe("not_found");
    expect(String(unknown.body.message)).toContain(missing);
    expect(await server.testDb.db.collection("threads").countDocuments({ _id: missing as never })).toBe(0);
  });
});

describe("POST /threads/prune", () => {
  it("delete removes the named threads with their checkpoints and counts those that existed", async () => {
    const a = await threadWithRuns();
    const b = await threadWithRuns();
    const missing = "0b3f9a50-8f3c-4bd4-9a0e-4d1f7c2a9e55";
    const res = await call(server.baseUrl, "POST", "/threads/prune", { thread_ids: [a, b, missing] });
    expect(res).toMatchObject({ status: 200, body: { pruned_count: 2 } });
    for (const id of [a, b]) {
      expect((await call(server.baseUrl, "GET", `/threads/${id}`)).status).toBe(404);
      expect(await checkpoints(id)).toBe(0);
    }
  });

  it("keep_latest leaves one checkpoint and the state", async () => {
    const a = await threadWithRuns();
    const values = (await client.threads.getState(a)).values;
    const res = await call(server.baseUrl, "POST", "/threads/prune", {
      thread_ids: [a],
      strategy: "keep_latest",
    });
    expect(res).toMatchObject({ status: 200, body: { pruned_count: 1 } });
    expect(await client.threads.getHistory(a)).toHaveLength(1);
    expect((await client.threads.getState(a)).values).toEqual(values);
  });

  it("an empty list prunes nothing; a bad strategy or id is 422", async () => {
    expect(await call(server.baseUrl, "POST", "/threads/prune", { thread_ids: [] })).toMatchObject({
      status: 200,
      body: { pruned_count: 0 },
    });
    const a = await threadWithRuns();
    const bad = await call(server.baseUrl, "POST", "/threads/prune", { thread_ids: [a], strategy: "all" });
    expect(bad.status).toBe(422);
    expect(String((bad.body as Obj).detail)).toContain("Invalid strategy: all");
    expect((await call(server.baseUrl, "POST", "/threads/prune", { thread_ids: ["nope"] })).status).toBe(422);
    expect((await call(server.baseUrl, "GET", `/threads/${a}`)).status).toBe(200);
  });

  it("over Connect: ThreadsService/Prune", async () => {
    const a = await threadWithRuns();
    const res = await fetch(`${server.baseUrl}/loom.v1.ThreadsService/Prune`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ thread_ids: [a] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ pruned_count: 1 });
    expect(await checkpoints(a)).toBe(0);
  });

  it("over Connect: a bad strategy or id is InvalidArgument naming it, and nothing is pruned", async () => {
    const a = await threadWithRuns();
    const before = await checkpoints(a);
    const badStrategy = await connectCall("Prune", { thread_ids: [a], strategy: "all" });
    expect(badStrategy.body.code).toBe("invalid_argument");
    expect(String(badStrategy.body.message)).toContain("Invalid strategy: all");
    // A bad id after a good one: refused before the good one is touched.
    const badId = await connectCall("Prune", { thread_ids: [a, "nope"] });
    expect(badId.body.code).toBe("invalid_argument");
    expect(String(badId.body.message)).toMatch(/thread_ids.*"nope"/);
    expect((await call(server.baseUrl, "GET", `/threads/${a}`)).status).toBe(200);
    expect(await checkpoints(a)).toBe(before);
    expect(await runs(a)).toBe(2);
  });
});
