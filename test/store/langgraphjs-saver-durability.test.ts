/**
 * `LoomCheckpointSaver` with `durability: "async"` (docs/semantics.md §1.16) on Loom's MongoDB store: the
 * checkpoints and task writes a LangGraph.js run hands over go out in batches (`writeBatch`), in call order, and
 * the history reads back the same as with `"sync"`; a refused batch is reported once, stops later writes, and
 * `flush()` rejects with its error.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import type { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CheckpointStore, StoreWrite } from "../../src/engine/index.js";
import { LoomCheckpointSaver } from "../../src/host/langgraphjs/saver.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let db: TestDb;
let mongo: MongoStore;

beforeAll(async () => {
  db = await openTestDb("lg_saver_durability");
  mongo = createMongoStore({ client: db.client as MongoClient, dbName: db.dbName });
  await mongo.ensureIndexes();
});
afterAll(async () => {
  await db?.drop();
});

/** The store, with every round trip it is asked for recorded (the writes still reach MongoDB). */
function recorded(store: CheckpointStore): { store: CheckpointStore; trips: string[] } {
  const trips: string[] = [];
  const writeBatch = store.writeBatch?.bind(store);
  return {
    trips,
    store: {
      ...store,
      getTuple: (ref) => store.getTuple(ref),
      list: (q) => store.list(q),
      put: (input) => {
        trips.push("put");
        return store.put(input);
      },
      putWrites: (ref, writes) => {
        trips.push("putWrites");
        return store.putWrites(ref, writes);
      },
      deleteThread: (t) => store.deleteThread(t),
      ...(writeBatch
        ? {
            writeBatch: (batch: readonly StoreWrite[]) => {
              trips.push(`batch:${batch.length}`);
              return writeBatch(batch);
            },
          }
        : {}),
    },
  };
}

const State = Annotation.Root({
  steps: Annotation<string[], string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const builder = () =>
  new StateGraph(State)
    .addNode("a", () => ({ steps: ["a"] }))
    .addNode("b", () => ({ steps: ["b"] }))
    .addNode("c", () => ({ steps: ["c"] }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END);

async function runWith(durability: "sync" | "async", threadId: string) {
  const { store, trips } = recorded(mongo.checkpoints);
  const saver = new LoomCheckpointSaver(store, { durability });
  const graph = builder().compile({ checkpointer: saver });
  const config = { configurable: { thread_id: threadId }, durability: "sync" as const };
  const values = await graph.invoke({ steps: ["in"] }, config);
  await saver.flush();
  const history = [];
  for await (const s of graph.getStateHistory(config)) {
    history.push({ step: s.metadata?.step, next: s.next, values: s.values });
  }
  return { values, trips, history };
}

it("async: the same checkpoints as sync, in fewer round trips", async () => {
  const sync = await runWith("sync", "t-sync");
  const async = await runWith("async", "t-async");
  expect(async.values).toEqual({ steps: ["in", "a", "b", "c"] });
  expect(async.values).toEqual(sync.values);
  expect(async.history).toEqual(sync.history);
  expect(sync.history.map((h) => h.step)).toEqual([3, 2, 1, 0, -1]);
  // sync: one round trip per checkpoint and per task's writes; async: batches holding several writes each.
  expect(sync.trips.every((t) => t === "put" || t === "putWrites")).toBe(true);
  const written = (trips: string[]) =>
    trips.reduce((n, t) => n + (t.startsWith("batch:") ? Number(t.slice(6)) : 1), 0);
  expect(written(async.trips)).toBe(written(sync.trips));
  expect(async.trips.length).toBeLessThan(sync.trips.length);
  expect(async.trips.some((t) => t.startsWith("batch:") && Number(t.slice(6)) > 1)).toBe(true);
});

it("async: a refused write is reported once, nothing after it is sent, flush rejects with it", async () => {
  const { store, trips } = recorded(mongo.checkpoints);
  const failures: unknown[] = [];
  const saver = new LoomCheckpointSaver(store, { durability: "async", onFailure: (e) => failures.push(e) });
  const ref = {
    configurable: { thread_id: "t-refused", checkpoint_ns: "", checkpoint_id: "no-such-checkpoint" },
  };
  // Writes against a checkpoint the store does not hold are refused.
  await saver.putWrites(ref, [["steps", ["x"]]], "task-1");
  await saver.putWrites(ref, [["steps", ["y"]]], "task-2");
  await expect(saver.flush()).rejects.toThrow();
  expect(trips.length).toBe(1);
  expect(failures).toHaveLength(1); // told when the batch failed, not at the next write
  await saver.putWrites(ref, [["steps", ["z"]]], "task-3");
  await expect(saver.flush()).rejects.toThrow();
  expect(trips.length).toBe(1);
  expect(failures).toHaveLength(1);
  expect(await mongo.checkpoints.getTuple({ threadId: "t-refused", checkpointNs: "" })).toBeUndefined();
});
