/**
 * Threads, runs and assistants on the real mongod: CRUD, search (containment, status, ids, values, sort, paging,
 * count), the busy-thread rules of runs (docs/api.md §4, §5) including concurrent `reject` claims, and cascades.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AssistantExistsError,
  AssistantNotFoundError,
  AssistantVersionNotFoundError,
  DocumentTooLargeError,
  InvalidQueryError,
  RunExistsError,
  RunNotFoundError,
  ThreadBusyError,
  ThreadExistsError,
  ThreadNotFoundError,
} from "../../src/store/errors.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";
import { checkpointInput } from "./mongo-fixtures.js";

let t: TestDb;
let store: MongoStore;

beforeAll(async () => {
  t = await openTestDb("mongo_records");
  store = createMongoStore({ client: t.client, dbName: t.dbName });
  await store.ensureIndexes();
});

afterAll(async () => {
  await t.drop();
});

describe("threads", () => {
  it("creates, gets, rejects duplicates unless do_nothing, patches metadata shallowly", async () => {
    const created = await store.threads.create({ threadId: "t1", metadata: { a: 1, nested: { x: 1 } } });
    expect(created).toMatchObject({
      threadId: "t1",
      status: "idle",
      values: null,
      interrupts: {},
      error: null,
    });
    await expect(store.threads.create({ threadId: "t1" })).rejects.toBeInstanceOf(ThreadExistsError);
    const same = await store.threads.create(
      { threadId: "t1", metadata: { b: 2 } },
      { ifExists: "do_nothing" },
    );
    expect(same.metadata).toEqual({ a: 1, nested: { x: 1 } });
    const patched = await store.threads.patch("t1", { metadata: { nested: { y: 2 }, "$odd.key": true } });
    expect(patched.metadata).toEqual({ a: 1, nested: { y: 2 }, "$odd.key": true });
    expect(patched.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    await expect(store.threads.get("missing")).rejects.toBeInstanceOf(ThreadNotFoundError);
    await expect(store.threads.patch("missing", { metadata: {} })).rejects.toBeInstanceOf(
      ThreadNotFoundError,
    );
  });

  it("updates state (status, values, interrupts, error) and round-trips awkward values", async () => {
    await store.threads.create({ threadId: "t2" });
    const values = { "a.b": [1, -0, { $gt: "$x" }], msg: "😀" };
    const interrupts = { task1: [{ id: "abc", value: { question: "ok?" } }] };
    const updated = await store.threads.updateState("t2", { status: "interrupted", values, interrupts });
    expect(updated).toMatchObject({ status: "interrupted", values, interrupts });
    const read = await store.threads.get("t2");
    expect(read.values).toEqual(values);
    expect(Object.is((read.values as { "a.b": number[] })["a.b"][1], -0)).toBe(true);
  });

  it("searches by metadata containment, values, status and ids; sorts, pages and counts", async () => {
    for (let i = 0; i < 6; i++) {
      await store.threads.create({
        threadId: `s${i}`,
        metadata: { graph_id: i % 2 ? "odd" : "even", deep: { level: i % 3, tag: "x" }, $where: "data" },
      });
      if (i < 2) await store.threads.updateState(`s${i}`, { status: "error", values: { n: i, list: [i] } });
    }
    const odd = await store.threads.search({
      metadata: { graph_id: "odd" },
      sortBy: "threadId",
      sortOrder: "asc",
    });
    expect(odd.items.map((th) => th.threadId)).toEqual(["s1", "s3", "s5"]);
    expect(odd.total).toBe(3);
    const nested = await store.threads.search({
      metadata: { deep: { level: 0 } },
      sortBy: "threadId",
      sortOrder: "asc",
    });
    expect(nested.items.map((th) => th.threadId)).toEqual(["s0", "s3"]);
    const injected = await store.threads.search({ metadata: { $where: "data" }, limit: 100 });
    expect(injected.total).toBe(6);
    expect((await store.threads.search({ metadata: { graph_id: { $ne: "x" } } })).total).toBe(0);
    const errored = await store.threads.search({ status: "error", values: { n: 1 } });
    expect(errored.items.map((th) => th.threadId)).toEqual(["s1"]);
    const byIds = await store.threads.search({
      ids: ["s2", "s4", "nope"],
      sortBy: "threadId",
      sortOrder: "desc",
    });
    expect(byIds.items.map((th) => th.threadId)).toEqual(["s4", "s2"]);
    const page = await store.threads.search({
      metadata: { deep: { tag: "x" } },
      sortBy: "threadId",
      sortOrder: "asc",
      limit: 2,
      offset: 2,
    });
    expect(page.items.map((th) => th.threadId)).toEqual(["s2", "s3"]);
    expect(page.total).toBe(6);
    const newest = await store.threads.search({ metadata: { deep: { tag: "x" } }, limit: 1 });
    expect(newest.items[0]?.threadId).toBe("s5");
    expect(await store.threads.count({ metadata: { graph_id: "even" } })).toBe(3);
    expect(await store.threads.count({ status: "error" })).toBe(2);
    await expect(store.threads.search({ limit: -1 })).rejects.toBeInstanceOf(InvalidQueryError);
  });

  it("delete removes the thread, its runs and its checkpoints; a second delete is ThreadNotFoundError", async () => {
    await store.threads.create({ threadId: "del" });
    await store.runs.create({ runId: "del-run", threadId: "del", assistantId: "a" });
    await store.checkpoints.put(checkpointInput("del"));
    await store.threads.delete("del");
    await expect(store.threads.get("del")).rejects.toBeInstanceOf(ThreadNotFoundError);
    await expect(store.runs.get("del-run")).rejects.toBeInstanceOf(RunNotFoundError);
    expect(await store.checkpoints.getTuple({ threadId: "del" })).toBeUndefined();
    await expect(store.threads.delete("del")).rejects.toBeInstanceOf(ThreadNotFoundError);
  });
});

describe("runs", () => {
  it("a run makes its thread busy; reject refuses a second active run; finish sets the thread", async () => {
    await store.threads.create({ threadId: "r1" });
    const run = await store.runs.create(
      { runId: "run-a", threadId: "r1", assistantId: "agent", kwargs: { input: { $x: 1 } } },
      { rejectIfBusy: true },
    );
    expect(run).toMatchObject({
      status: "pending",
      attempt: 1,
      leaseOwner: null,
      multitaskStrategy: "reject",
    });
    expect(run.kwargs).toEqual({ input: { $x: 1 } });
    expect((await store.threads.get("r1")).status).toBe("busy");
    const error = await store.runs
      .create({ runId: "run-b", threadId: "r1", assistantId: "agent" }, { rejectIfBusy: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadBusyError);
    expect((error as ThreadBusyError).activeRunIds).toEqual(["run-a"]);
    await expect(store.runs.get("run-b")).rejects.toBeInstanceOf(RunNotFoundError);
    const running = await store.runs.update("run-a", {
      status: "running",
      leaseOwner: "w1",
      leaseExpiresAt: new Date(),
    });
    expect(running).toMatchObject({ status: "running", leaseOwner: "w1" });
    const done = await store.runs.finish("run-a", "success", {
      status: "idle",
      values: { out: 1 },
      interrupts: {},
    });
    expect(done).toMatchObject({ status: "success", leaseOwner: null, leaseExpiresAt: null });
    expect(await store.threads.get("r1")).toMatchObject({ status: "idle", values: { out: 1 } });
  });

  it("enqueue keeps the thread busy until the last active run finishes", async () => {
    await store.threads.create({ threadId: "r2" });
    await store.runs.create({ runId: "q1", threadId: "r2", assistantId: "a" });
    await store.runs.create({ runId: "q2", threadId: "r2", assistantId: "a", multitaskStrategy: "enqueue" });
    expect((await store.runs.listActive("r2")).map((r) => r.runId)).toEqual(["q1", "q2"]);
    await store.runs.finish("q1", "success", { status: "idle", values: { step: 1 } });
    expect(await store.threads.get("r2")).toMatchObject({ status: "busy", values: { step: 1 } });
    await store.runs.finish("q2", "success", { status: "interrupted" });
    expect((await store.threads.get("r2")).status).toBe("interrupted");
  });

  it("concurrent reject claims on one thread: exactly one wins", async () => {
    await store.threads.create({ threadId: "race" });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.runs
          .create({ runId: `race-${i}`, threadId: "race", assistantId: "a" }, { rejectIfBusy: true })
          .then(
            () => "ok",
            (e: unknown) => (e instanceof ThreadBusyError ? "busy" : String(e)),
          ),
      ),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r === "busy")).toHaveLength(7);
    expect(await store.runs.listActive("race")).toHaveLength(1);
  });

  it("lists by thread newest first with status filter and paging; deleting the active run frees the thread", async () => {
    await store.threads.create({ threadId: "r3" });
    for (let i = 0; i < 4; i++) {
      await store.runs.create({ runId: `l${i}`, threadId: "r3", assistantId: "a" });
      if (i < 3) await store.runs.finish(`l${i}`, i === 1 ? "error" : "success", { status: "idle" });
    }
    expect((await store.runs.listByThread("r3")).map((r) => r.runId)).toEqual(["l3", "l2", "l1", "l0"]);
    expect((await store.runs.listByThread("r3", { limit: 2, offset: 1 })).map((r) => r.runId)).toEqual([
      "l2",
      "l1",
    ]);
    expect((await store.runs.listByThread("r3", { status: "error" })).map((r) => r.runId)).toEqual(["l1"]);
    expect((await store.threads.get("r3")).status).toBe("busy");
    await expect(store.runs.get("l3", "other-thread")).rejects.toBeInstanceOf(RunNotFoundError);
    await store.runs.delete("l3", "r3");
    expect((await store.threads.get("r3")).status).toBe("idle");
    await expect(store.runs.delete("l3")).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it("refuses a run on a missing thread and a duplicate run id", async () => {
    await expect(
      store.runs.create({ runId: "x", threadId: "missing", assistantId: "a" }),
    ).rejects.toBeInstanceOf(ThreadNotFoundError);
    await store.threads.create({ threadId: "r4" });
    await store.runs.create({ runId: "dup", threadId: "r4", assistantId: "a" });
    await expect(
      store.runs.create({ runId: "dup", threadId: "r4", assistantId: "a" }),
    ).rejects.toBeInstanceOf(RunExistsError);
  });
});

describe("assistants", () => {
  it("creates, patches (version bump, metadata merge), searches by graph/name/metadata, counts, deletes", async () => {
    const a = await store.assistants.create({
      assistantId: "as1",
      graphId: "agent",
      metadata: { created_by: "system" },
    });
    expect(a).toMatchObject({ version: 1, name: "agent", description: null, config: {}, context: {} });
    await expect(store.assistants.create({ assistantId: "as1", graphId: "agent" })).rejects.toBeInstanceOf(
      AssistantExistsError,
    );
    expect(
      (await store.assistants.create({ assistantId: "as1", graphId: "x" }, { ifExists: "do_nothing" }))
        .graphId,
    ).toBe("agent");
    await store.assistants.create({ assistantId: "as2", graphId: "joke", name: "Joke (v2.*)" });
    const patched = await store.assistants.patch("as1", { metadata: { owner: "me" }, description: "d" });
    expect(patched).toMatchObject({
      version: 2,
      description: "d",
      metadata: { created_by: "system", owner: "me" },
    });
    expect((await store.assistants.search({ graphId: "joke" })).items.map((x) => x.assistantId)).toEqual([
      "as2",
    ]);
    expect((await store.assistants.search({ name: "V2.*" })).items.map((x) => x.assistantId)).toEqual([
      "as2",
    ]);
    expect((await store.assistants.search({ name: ".*" })).total).toBe(1);
    expect(
      (await store.assistants.search({ metadata: { owner: "me" } })).items.map((x) => x.assistantId),
    ).toEqual(["as1"]);
    expect(await store.assistants.count({})).toBe(2);
    await store.assistants.delete("as2");
    await expect(store.assistants.get("as2")).rejects.toBeInstanceOf(AssistantNotFoundError);
    await expect(store.assistants.delete("as2")).rejects.toBeInstanceOf(AssistantNotFoundError);
  });
});

describe("assistant versions", () => {
  it("concurrent patches get distinct versions, each stored; escaped metadata keys round-trip", async () => {
    await store.assistants.create({ assistantId: "av1", graphId: "agent", metadata: { "a.b": 1 } });
    const patched = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.assistants.patch("av1", { metadata: { [`$k${i}`]: i } })),
    );
    expect(patched.map((p) => p.version).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const versions = await store.assistants.listVersions("av1", { limit: 100 });
    expect(versions.map((v) => v.version)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(versions[8]?.metadata).toEqual({ "a.b": 1 });
    const last = await store.assistants.get("av1");
    expect(Object.keys(last.metadata).sort()).toEqual([
      "$k0",
      "$k1",
      "$k2",
      "$k3",
      "$k4",
      "$k5",
      "$k6",
      "$k7",
      "a.b",
    ]);
    expect(
      await store.assistants.listVersions("av1", { metadata: { "a.b": 1, $k3: 3 }, limit: 100 }),
    ).not.toEqual([]);
  });

  it("setLatest: unknown assistant or version are typed errors; delete removes the versions", async () => {
    await expect(store.assistants.setLatest("nope", 1)).rejects.toBeInstanceOf(AssistantNotFoundError);
    await expect(store.assistants.listVersions("nope", {})).rejects.toBeInstanceOf(AssistantNotFoundError);
    await store.assistants.create({ assistantId: "av2", graphId: "agent", context: { x: 1 } });
    await store.assistants.patch("av2", { graphId: "joke", context: { x: 2 }, name: "two" });
    await expect(store.assistants.setLatest("av2", 3)).rejects.toBeInstanceOf(AssistantVersionNotFoundError);
    const pinned = await store.assistants.setLatest("av2", 1);
    expect(pinned).toMatchObject({ version: 1, graphId: "agent", context: { x: 1 }, name: "agent" });
    await store.assistants.delete("av2");
    await store.assistants.create({ assistantId: "av2", graphId: "agent" });
    expect((await store.assistants.listVersions("av2", {})).map((v) => v.version)).toEqual([1]);
  });

  it("an assistant stored before versions gets its version recorded by create do_nothing", async () => {
    const now = new Date();
    await store.db.collection("assistants").insertOne({
      _id: "legacy" as never,
      graph_id: "agent",
      config: {},
      context: {},
      metadata: {},
      created_at: now,
      updated_at: now,
      version: 4,
      name: "agent",
      description: null,
    });
    await store.assistants.create({ assistantId: "legacy", graphId: "agent" }, { ifExists: "do_nothing" });
    expect((await store.assistants.listVersions("legacy", {})).map((v) => v.version)).toEqual([4]);
    expect((await store.assistants.patch("legacy", { name: "n" })).version).toBe(5);
  });
});

describe("limits", () => {
  it("thread state over 16 MiB is a DocumentTooLargeError and leaves the thread unchanged", async () => {
    await store.threads.create({ threadId: "huge" });
    await store.threads.updateState("huge", { values: { small: 1 } });
    await expect(
      store.threads.updateState("huge", { values: { blob: "x".repeat(17 * 1024 * 1024) } }),
    ).rejects.toBeInstanceOf(DocumentTooLargeError);
    expect((await store.threads.get("huge")).values).toEqual({ small: 1 });
  });
});
