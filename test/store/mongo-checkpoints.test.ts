/**
 * MongoDB checkpoint store on the real mongod: exact round trips, pending-write rules and order, history queries,
 * filters as data, conflicts and ordering, one round trip per super-step, and deleteThread (16 MiB: mongo-limits).
 */
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonValue } from "../../src/engine/checkpoint.js";
import { CheckpointNotFoundError } from "../../src/engine/errors.js";
import { CheckpointConflictError } from "../../src/engine/store.js";
import { CheckpointOrderError, InvalidQueryError } from "../../src/store/errors.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";
import { checkpointInput, exact, nextId, prng, randomJson, write } from "./mongo-fixtures.js";

let t: TestDb;
let store: MongoStore;
let commands: string[] = [];
let monitored: MongoClient;

beforeAll(async () => {
  t = await openTestDb("mongo_checkpoints");
  monitored = await MongoClient.connect(t.uri, { monitorCommands: true });
  monitored.on("commandStarted", (event) => commands.push(event.commandName));
  store = createMongoStore({ client: monitored, dbName: t.dbName });
  await store.ensureIndexes();
});

afterAll(async () => {
  await monitored.close();
  await t.drop();
});

describe("round trips", () => {
  it("stores state values as native sub-documents readable in the shell", async () => {
    const input = checkpointInput("native", {
      values: { messages: [{ role: "user", content: "hi" }], n: 3 },
    });
    await store.checkpoints.put(input);
    const raw = await t.db.collection("checkpoints").findOne({ thread_id: "native" });
    expect(raw).toMatchObject({
      thread_id: "native",
      checkpoint_ns: "",
      checkpoint_id: input.checkpoint.id,
      parent_checkpoint_id: null,
      step: 0,
      source: "loop",
      values: { messages: [{ role: "user", content: "hi" }], n: 3 },
      channel_versions: { count: 1, "branch:to:a": 2 },
      metadata: { source: "loop", step: 0, parents: {} },
    });
    expect(raw?.created_at).toBeInstanceOf(Date);
    expect(raw?.escaped).toBeUndefined();
  });

  it("round-trips 300 generated awkward JSON values exactly (keys, unicode, numbers, -0, key order)", async () => {
    const random = prng(42);
    const values = Array.from({ length: 300 }, () => randomJson(random, 5));
    let parent: string | null = null;
    for (const [i, value] of values.entries()) {
      const input = checkpointInput("awkward", {
        parent,
        values: { v: value },
        metadata: { step: i, extra: value },
        parentWrites: parent ? [write(`task${i}`, 0, "v", value)] : [],
      });
      await store.checkpoints.put(input);
      parent = input.checkpoint.id;
    }
    const history = await store.checkpoints.list({ threadId: "awkward" });
    expect(history).toHaveLength(300);
    history.reverse();
    for (const [i, tuple] of history.entries()) {
      expect(exact(tuple.checkpoint.channelValues.v)).toBe(exact(values[i]));
      expect(exact(tuple.metadata.extra)).toBe(exact(values[i]));
      const next = values[i + 1];
      if (next !== undefined) expect(exact(tuple.pendingWrites[0]?.value)).toBe(exact(next));
    }
  });

  it("keeps -0, extreme doubles and integers beyond int32 bit-identical", async () => {
    const numbers = [-0, 5e-324, 1.7976931348623157e308, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 0.1 + 0.2];
    const input = checkpointInput("numbers", { values: { numbers } });
    await store.checkpoints.put(input);
    const back = (await store.checkpoints.getTuple({ threadId: "numbers" }))?.checkpoint.channelValues
      .numbers;
    expect((back as number[]).map((n) => Object.is(n, -0) || n)).toEqual(
      numbers.map((n) => Object.is(n, -0) || n),
    );
  });

  it("escapes keys with '.' and '$' reversibly and keeps them out of query paths", async () => {
    const values: Record<string, JsonValue> = { "a.b": { $gt: 1, "%": "%s" }, $where: "sleep(1000)" };
    await store.checkpoints.put(checkpointInput("escape", { values }));
    const raw = await t.db.collection("checkpoints").findOne({ thread_id: "escape" });
    expect(raw?.values).toEqual({ "a%2Eb": { "%24gt": 1, "%25": "%s" }, "%24where": "sleep(1000)" });
    expect(raw?.escaped).toEqual(["values"]);
    const back = await store.checkpoints.getTuple({ threadId: "escape" });
    expect(exact(back?.checkpoint.channelValues)).toBe(exact(values));
  });
});

describe("pending writes", () => {
  it("reads writes back ordered by (task_path, task_id, idx) and keeps the first regular write on retry", async () => {
    const input = checkpointInput("writes");
    await store.checkpoints.put(input);
    const ref = { threadId: "writes", checkpointNs: "", checkpointId: input.checkpoint.id };
    await store.checkpoints.putWrites(ref, [
      write("t2", 1, "b", "second"),
      write("t2", 0, "a", "first", "p1"),
    ]);
    await store.checkpoints.putWrites(ref, [write("t1", 0, "a", "x", "p2"), write("t0", 0, "a", "y", "p1")]);
    await store.checkpoints.putWrites(ref, [write("t2", 0, "a", "retried", "p1")]);
    const tuple = await store.checkpoints.getTuple({ threadId: "writes", checkpointId: input.checkpoint.id });
    expect(tuple?.pendingWrites.map((w) => [w.taskPath, w.taskId, w.idx, w.value])).toEqual([
      ["p1", "t0", 0, "y"],
      ["p1", "t2", 0, "first"],
      ["p2", "t1", 0, "x"],
      ["t2", "t2", 1, "second"],
    ]);
  });

  it("overwrites special writes (negative idx) on retry", async () => {
    const input = checkpointInput("special");
    await store.checkpoints.put(input);
    const ref = { threadId: "special", checkpointNs: "", checkpointId: input.checkpoint.id };
    await store.checkpoints.putWrites(ref, [write("t", -1, "__error__", { message: "one" })]);
    await store.checkpoints.putWrites(ref, [write("t", -1, "__error__", { message: "two" })]);
    const tuple = await store.checkpoints.getTuple({ threadId: "special" });
    expect(tuple?.pendingWrites).toEqual([write("t", -1, "__error__", { message: "two" })]);
  });

  it("stores a '$'-string write value as data", async () => {
    const input = checkpointInput("dollar");
    await store.checkpoints.put(input);
    const ref = { threadId: "dollar", checkpointNs: "", checkpointId: input.checkpoint.id };
    await store.checkpoints.putWrites(ref, [
      write("t", 0, "a.b", { $set: "$thread_id" }),
      write("t", 1, "c", "$$ROOT"),
    ]);
    const tuple = await store.checkpoints.getTuple({ threadId: "dollar" });
    expect(tuple?.pendingWrites.map((w) => [w.channel, w.value])).toEqual([
      ["a.b", { $set: "$thread_id" }],
      ["c", "$$ROOT"],
    ]);
  });

  it("refuses writes to a missing checkpoint", async () => {
    const ref = { threadId: "nowhere", checkpointNs: "", checkpointId: "x" };
    await expect(store.checkpoints.putWrites(ref, [write("t", 0, "a", 1)])).rejects.toBeInstanceOf(
      CheckpointNotFoundError,
    );
  });
});

describe("one round trip per super-step", () => {
  it("put with parentWrites sends one command; getTuple and list(n) one each", async () => {
    const first = checkpointInput("trips");
    await store.checkpoints.put(first);
    commands = [];
    const second = checkpointInput("trips", {
      parent: first.checkpoint.id,
      parentWrites: [write("a", 0, "x", 1), write("b", 0, "x", 2), write("b", -1, "__error__", null)],
    });
    await store.checkpoints.put(second);
    expect(commands).toEqual(["update"]);
    commands = [];
    await store.checkpoints.getTuple({ threadId: "trips" });
    expect(commands).toEqual(["find"]);
    commands = [];
    const list = await store.checkpoints.list({ threadId: "trips", limit: 5 });
    expect(commands).toEqual(["find"]);
    expect(list[1]?.pendingWrites.map((w) => w.taskId)).toEqual(["a", "b", "b"]);
    expect(list[0]?.parentCheckpointId).toBe(first.checkpoint.id);
  });
});

describe("conflicts and ordering", () => {
  it("a taken id is a CheckpointConflictError and leaves the stored checkpoint unchanged", async () => {
    const input = checkpointInput("conflict", { values: { v: "original" } });
    await store.checkpoints.put(input);
    const again = checkpointInput("conflict", { id: input.checkpoint.id, values: { v: "other" } });
    const error = await store.checkpoints.put(again).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointConflictError);
    const tuple = await store.checkpoints.getTuple({ threadId: "conflict" });
    expect(tuple?.checkpoint.channelValues).toEqual({ v: "original" });
  });

  it("a conflicting put with parentWrites is a CheckpointConflictError and writes nothing", async () => {
    const parent = checkpointInput("conflict2");
    await store.checkpoints.put(parent);
    const child = checkpointInput("conflict2", { parent: parent.checkpoint.id });
    await store.checkpoints.put(child);
    const dup = checkpointInput("conflict2", {
      id: child.checkpoint.id,
      parent: parent.checkpoint.id,
      parentWrites: [write("t", 0, "a", 1)],
    });
    await expect(store.checkpoints.put(dup)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await t.db.collection("checkpoints").countDocuments({ thread_id: "conflict2" })).toBe(2);
    const stored = await store.checkpoints.getTuple({
      threadId: "conflict2",
      checkpointId: parent.checkpoint.id,
    });
    expect(stored?.pendingWrites).toEqual([]);
  });

  it("refuses a child whose id does not sort after its parent", async () => {
    const parent = checkpointInput("order", { id: "b" });
    await store.checkpoints.put(parent);
    await expect(
      store.checkpoints.put(checkpointInput("order", { id: "a", parent: "b" })),
    ).rejects.toBeInstanceOf(CheckpointOrderError);
    await expect(
      store.checkpoints.put(checkpointInput("order", { id: "b", parent: "b" })),
    ).rejects.toBeInstanceOf(CheckpointOrderError);
    expect(await t.db.collection("checkpoints").countDocuments({ thread_id: "order" })).toBe(1);
  });

  it("two clients racing on the same ids: exactly one put per id wins, one head", async () => {
    const other = await MongoClient.connect(t.uri);
    const storeB = createMongoStore({ client: other, dbName: t.dbName });
    const root = checkpointInput("race");
    await store.checkpoints.put(root);
    const ids = Array.from({ length: 20 }, () => nextId());
    const attempt = (s: MongoStore, id: string) =>
      s.checkpoints
        .put(
          checkpointInput("race", { id, parent: root.checkpoint.id, parentWrites: [write(id, 0, "x", 1)] }),
        )
        .then(
          () => "ok",
          (e: unknown) => (e instanceof CheckpointConflictError ? "conflict" : String(e)),
        );
    const results = await Promise.all(ids.flatMap((id) => [attempt(store, id), attempt(storeB, id)]));
    await other.close();
    expect(results.filter((r) => r === "ok")).toHaveLength(20);
    expect(results.filter((r) => r === "conflict")).toHaveLength(20);
    const all = await store.checkpoints.list({ threadId: "race" });
    expect(new Set(all.map((c) => c.checkpoint.id)).size).toBe(21);
    expect((await store.checkpoints.getTuple({ threadId: "race" }))?.checkpoint.id).toBe(ids.at(-1));
  });
});

describe("history", () => {
  const thread = "history";
  const ids: string[] = [];
  beforeAll(async () => {
    let parent: string | null = null;
    for (let i = 0; i < 12; i++) {
      const input = checkpointInput(thread, {
        parent,
        metadata: {
          step: i - 1,
          source: i === 0 ? "input" : i % 4 === 0 ? "update" : "loop",
          tag: { k: i % 2 },
        },
      });
      await store.checkpoints.put(input);
      ids.push(input.checkpoint.id);
      parent = input.checkpoint.id;
    }
    await store.checkpoints.put(checkpointInput(thread, { ns: "child:1" }));
  });

  it("lists newest first with limit and before, per namespace", async () => {
    const all = await store.checkpoints.list({ threadId: thread });
    expect(all.map((c) => c.checkpoint.id)).toEqual([...ids].reverse());
    const page = await store.checkpoints.list({ threadId: thread, limit: 3, before: ids[6] });
    expect(page.map((c) => c.checkpoint.id)).toEqual([ids[5], ids[4], ids[3]]);
    expect(await store.checkpoints.list({ threadId: thread, limit: 0 })).toEqual([]);
    expect(await store.checkpoints.list({ threadId: thread, checkpointNs: "child:1" })).toHaveLength(1);
  });

  it("filters by metadata with exact equality, AND-ed", async () => {
    const updates = await store.checkpoints.list({ threadId: thread, metadata: { source: "update" } });
    expect(updates.map((c) => c.metadata.step)).toEqual([7, 3]);
    const both = await store.checkpoints.list({ threadId: thread, metadata: { source: "loop", step: 4 } });
    expect(both.map((c) => c.checkpoint.id)).toEqual([ids[5]]);
    const nested = await store.checkpoints.list({ threadId: thread, metadata: { tag: { k: 1 } }, limit: 2 });
    expect(nested.map((c) => c.checkpoint.id)).toEqual([ids[11], ids[9]]);
  });

  it("treats operator-looking filter keys and values as data", async () => {
    const input = checkpointInput("inject", { metadata: { q: { $gt: 1 }, $where: "x" } });
    await store.checkpoints.put(input);
    await store.checkpoints.put(checkpointInput("inject", { metadata: { q: 5 } }));
    const byValue = await store.checkpoints.list({ threadId: "inject", metadata: { q: { $gt: 1 } } });
    expect(byValue.map((c) => c.checkpoint.id)).toEqual([input.checkpoint.id]);
    const byKey = await store.checkpoints.list({ threadId: "inject", metadata: { $where: "x" } });
    expect(byKey.map((c) => c.checkpoint.id)).toEqual([input.checkpoint.id]);
    expect(await store.checkpoints.list({ threadId: "inject", metadata: { $where: "true" } })).toEqual([]);
    expect(await store.checkpoints.list({ threadId: "inject", metadata: { "q.$gt": 1 } })).toEqual([]);
    await expect(
      store.checkpoints.list({ threadId: "inject", metadata: { q: (() => 1) as unknown as JsonValue } }),
    ).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(store.checkpoints.list({ threadId: "inject", limit: -1 })).rejects.toBeInstanceOf(
      InvalidQueryError,
    );
  });

  it("returns undefined for an unknown thread or id", async () => {
    expect(await store.checkpoints.getTuple({ threadId: "none" })).toBeUndefined();
    expect(await store.checkpoints.getTuple({ threadId: thread, checkpointId: "zzz" })).toBeUndefined();
  });
});

describe("deleteThread", () => {
  it("removes the checkpoints and writes of every namespace of the thread, and nothing else (not its runs)", async () => {
    await store.checkpoints.put(checkpointInput("gone"));
    await store.checkpoints.put(checkpointInput("gone", { ns: "sub:1" }));
    await store.checkpoints.put(checkpointInput("kept"));
    await t.db.collection("runs").insertMany([{ thread_id: "gone" }, { thread_id: "kept" }]);
    await store.checkpoints.deleteThread("gone");
    expect(await t.db.collection("checkpoints").countDocuments({ thread_id: "gone" })).toBe(0);
    expect(await store.checkpoints.getTuple({ threadId: "kept" })).toBeDefined();
    // Runs belong to the thread record: ThreadStore.delete, the one operation that removes a thread, takes them.
    expect(await t.db.collection("runs").countDocuments({ thread_id: "gone" })).toBe(1);
  });

  it("ThreadStore.delete removes the thread with its runs and checkpoints of every namespace", async () => {
    const threadId = "11111111-1111-4111-8111-111111111111";
    await store.threads.create({ threadId, metadata: {} });
    await store.checkpoints.put(checkpointInput(threadId));
    await store.checkpoints.put(checkpointInput(threadId, { ns: "sub:1" }));
    await t.db.collection("runs").insertOne({ thread_id: threadId });
    await store.threads.delete(threadId);
    for (const name of ["threads", "checkpoints", "runs"]) {
      const key = name === "threads" ? "_id" : "thread_id";
      expect(await t.db.collection(name).countDocuments({ [key]: threadId })).toBe(0);
    }
    expect(await store.checkpoints.getTuple({ threadId: "kept" })).toBeDefined();
  });
});
