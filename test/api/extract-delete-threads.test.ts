/**
 * docs/api.md §3: `extract` on thread, assistant and run searches (shapes, its 422s, nothing of it reaching a
 * query), and `DELETE /assistants/{id}?delete_threads=true` deleting exactly that assistant's threads with their
 * runs, checkpoints and stream events, a busy one included (its run is cancelled first).
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotDb } from "../support/db-snapshot.js";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let client: Client;

beforeAll(async () => {
  server = await startApiServer("api_extract_delete_threads");
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

describe("extract", () => {
  it("thread search: values, metadata, negative index, missing → null; kept beside select", async () => {
    const tag = `x${Date.now()}`;
    const thread = await client.threads.create({ metadata: { tag, deep: { list: [1, 2, 3] } } });
    await client.runs.wait(thread.thread_id, "joke", { input: { topic: "ducks" } });
    const res = await call(server.baseUrl, "POST", "/threads/search", {
      metadata: { tag },
      extract: {
        topic: "values.topic",
        last: "metadata.deep.list[-1]",
        first: "metadata.deep.list[0]",
        graph: "metadata.graph_id",
        none: "values.nope.deeper",
        out: "metadata.deep.list[9]",
      },
    });
    expect(res.status).toBe(200);
    const [item] = res.body as Obj[];
    expect(item?.extracted).toEqual({
      topic: "ducks",
      last: 3,
      first: 1,
      graph: "joke",
      none: null,
      out: null,
    });
    expect(item?.values).toMatchObject({ topic: "ducks" });

    const selected = await call(server.baseUrl, "POST", "/threads/search", {
      metadata: { tag },
      select: ["thread_id"],
      extract: { topic: "values.topic" },
    });
    expect(selected.body).toEqual([{ thread_id: thread.thread_id, extracted: { topic: "ducks" } }]);
    // Without extract, no `extracted` key.
    const plain = await call(server.baseUrl, "POST", "/threads/search", { metadata: { tag } });
    expect((plain.body as Obj[])[0]).not.toHaveProperty("extracted");
  });

  it("assistant search and run list", async () => {
    const assistant = await client.assistants.create({
      graphId: "joke",
      metadata: { team: "blue", owners: ["ann", "bo"] },
      config: { configurable: { model: "m1" } },
    });
    const res = await call(server.baseUrl, "POST", "/assistants/search", {
      metadata: { team: "blue" },
      extract: { owner: "metadata.owners[1]", model: "config.configurable.model" },
    });
    expect(res.status).toBe(200);
    const found = (res.body as Obj[]).find((a) => a.assistant_id === assistant.assistant_id);
    expect(found?.extracted).toEqual({ owner: "bo", model: "m1" });

    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "joke", { input: { topic: "eels" }, metadata: { who: "me" } });
    const extract = encodeURIComponent(JSON.stringify({ who: "metadata.who", topic: "kwargs.input.topic" }));
    const runs = await call(server.baseUrl, "GET", `/threads/${thread.thread_id}/runs?extract=${extract}`);
    expect(runs.status).toBe(200);
    expect((runs.body as Obj[])[0]?.extracted).toEqual({ who: "me", topic: "eels" });
  });

  it("422 naming the field for unknown roots, bad aliases, reserved names, too many paths, malformed paths; no operator reaches MongoDB", async () => {
    const snapshot = await snapshotDb(server.testDb.db);
    const cases: Array<[Obj, string]> = [
      [{ a: "secrets.x" }, "must start with one of: config, interrupts, metadata, values"],
      [{ "1bad": "values.x" }, "must be a valid identifier"],
      [{ status: "values.x" }, "reserved field names"],
      [{ a: "" }, "non-empty string"],
      [{ a: "values.x[abc]" }, "malformed"],
      [Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, "values.x"])), "Maximum of 10"],
    ];
    for (const [extract, detail] of cases) {
      const res = await call(server.baseUrl, "POST", "/threads/search", { extract });
      expect(res.status, JSON.stringify(extract)).toBe(422);
      expect((res.body as { detail: string }).detail).toContain(detail);
    }
    const unknownRoot = await call(server.baseUrl, "POST", "/threads/search", { extract: { a: "secret.x" } });
    expect((unknownRoot.body as { detail: string }).detail).toContain("'secret.x'");
    const assistant = await call(server.baseUrl, "POST", "/assistants/search", {
      extract: { a: "values.x" },
    });
    expect(assistant.status).toBe(422);
    // An operator-looking path is only a key to look up: it finds nothing, matches nothing, runs nothing.
    const op = await call(server.baseUrl, "POST", "/threads/search", {
      limit: 1,
      extract: { w: "metadata.$where", g: "values.$gt" },
    });
    expect(op.status).toBe(200);
    for (const t of op.body as Obj[]) expect(t.extracted).toEqual({ w: null, g: null });
    expect(await snapshotDb(server.testDb.db)).toEqual(snapshot);
  });
});

describe("delete_threads", () => {
  it("deletes exactly the assistant's threads with their runs, checkpoints and events, busy ones included", async () => {
    const doomed = await client.assistants.create({ graphId: "slow" });
    const kept = await client.assistants.create({ graphId: "slow" });
    const mine = await client.threads.create();
    await client.runs.wait(mine.thread_id, doomed.assistant_id, { input: { ms: 1 } });
    const busy = await client.threads.create();
    const longRun = await client.runs.create(busy.thread_id, doomed.assistant_id, { input: { ms: 60_000 } });
    const other = await client.threads.create();
    await client.runs.wait(other.thread_id, kept.assistant_id, { input: { ms: 1 } });
    const bare = await client.threads.create({ metadata: { note: "no runs" } });
    await expect.poll(async () => (await client.threads.get(busy.thread_id)).status).toBe("busy");
    const db = server.testDb.db;
    const ofThreads = (ids: string[]) => ({ thread_id: { $in: ids } });
    expect(await db.collection("run_events").countDocuments({ run_id: longRun.run_id })).toBeGreaterThan(0);

    const res = await call(
      server.baseUrl,
      "DELETE",
      `/assistants/${doomed.assistant_id}?delete_threads=true`,
    );
    expect(res.status).toBe(204);
    for (const t of [mine, busy]) {
      expect((await call(server.baseUrl, "GET", `/threads/${t.thread_id}`)).status).toBe(404);
    }
    const gone = [mine.thread_id, busy.thread_id];
    expect(await db.collection("runs").countDocuments(ofThreads(gone))).toBe(0);
    expect(await db.collection("checkpoints").countDocuments(ofThreads(gone))).toBe(0);
    expect(await db.collection("run_events").countDocuments({ run_id: longRun.run_id })).toBe(0);
    expect((await call(server.baseUrl, "GET", `/assistants/${doomed.assistant_id}`)).status).toBe(404);
    // Nothing else: the other assistant's thread and a thread without runs stay with their runs and checkpoints.
    expect((await client.threads.get(other.thread_id)).status).toBe("idle");
    expect(await client.runs.list(other.thread_id)).toHaveLength(1);
    expect((await client.threads.getState(other.thread_id)).values).toMatchObject({ done: true });
    expect((await client.threads.get(bare.thread_id)).metadata).toMatchObject({ note: "no runs" });
    expect((await call(server.baseUrl, "GET", `/assistants/${kept.assistant_id}`)).status).toBe(200);
  });

  it("without delete_threads the threads stay; bad input (unknown id, unknown non-UUID name: 404) deletes nothing", async () => {
    const assistant = await client.assistants.create({ graphId: "slow" });
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, assistant.assistant_id, { input: { ms: 1 } });
    const snapshot = await snapshotDb(server.testDb.db);
    const unknown = await call(
      server.baseUrl,
      "DELETE",
      "/assistants/00000000-0000-4000-8000-00000000abcd?delete_threads=true",
    );
    expect(unknown.status).toBe(404);
    // Not a UUID: looked up as a graph id (DESIGN.md "Assistants"), which no graph has.
    const notUuid = await call(server.baseUrl, "DELETE", "/assistants/not-a-uuid?delete_threads=true");
    expect(notUuid.status).toBe(404);
    expect(await snapshotDb(server.testDb.db)).toEqual(snapshot);
    expect((await call(server.baseUrl, "DELETE", `/assistants/${assistant.assistant_id}`)).status).toBe(204);
    expect((await client.threads.get(thread.thread_id)).metadata).toMatchObject({
      assistant_id: assistant.assistant_id,
    });
  });
});
