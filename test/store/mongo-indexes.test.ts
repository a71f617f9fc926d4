/**
 * Indexes of the Mongo store: created idempotently, unique where it matters, and every checkpoint query (head, by
 * id, history with limit/before/source filter) served by an index scan whose cost follows `limit`, not thread
 * length (checked with `explain("executionStats")` on a thread of 1,000 checkpoints).
 */
import type { Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectMongoStore,
  createMongoStore,
  INDEXES,
  type MongoStore,
  requireReplicaSet,
} from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";
import { checkpointInput, nextId } from "./mongo-fixtures.js";

let t: TestDb;
let store: MongoStore;
const ids: string[] = [];

/** Every stage name in a winning plan, depth first. */
function stages(plan: Document): string[] {
  const out: string[] = [plan.stage as string];
  if (plan.inputStage) out.push(...stages(plan.inputStage as Document));
  for (const child of (plan.inputStages as Document[] | undefined) ?? []) out.push(...stages(child));
  return out;
}

async function explain(
  filter: Document,
  limit?: number,
): Promise<{ stages: string[]; docs: number; keys: number }> {
  let cursor = t.db.collection("checkpoints").find(filter).sort({ checkpoint_id: -1 });
  if (limit) cursor = cursor.limit(limit);
  const result = await cursor.explain("executionStats");
  return {
    stages: stages(result.queryPlanner.winningPlan as Document),
    docs: result.executionStats.totalDocsExamined as number,
    keys: result.executionStats.totalKeysExamined as number,
  };
}

beforeAll(async () => {
  t = await openTestDb("mongo_indexes");
  store = createMongoStore({ client: t.client, dbName: t.dbName });
  await store.ensureIndexes();
  // Two threads so the index has to discriminate; one with 1,000 checkpoints, every 10th an update.
  const docs = [];
  for (let i = 0; i < 1000; i++) {
    const id = nextId();
    ids.push(id);
    const input = checkpointInput("deep", {
      id,
      metadata: { step: i, source: i % 10 === 0 ? "update" : "loop" },
    });
    docs.push(input);
  }
  for (const input of docs) await store.checkpoints.put(input);
  for (let i = 0; i < 50; i++) await store.checkpoints.put(checkpointInput("other"));
});

afterAll(async () => {
  await t.drop();
});

describe("indexes", () => {
  it("ensureIndexes is idempotent and creates the unique checkpoint key", async () => {
    await store.ensureIndexes();
    await store.ensureIndexes();
    const indexes = await t.db.collection("checkpoints").indexes();
    const key = indexes.find((i) => i.name === "thread_ns_checkpoint");
    expect(key?.unique).toBe(true);
    expect(key?.key).toEqual({ thread_id: 1, checkpoint_ns: 1, checkpoint_id: -1 });
    for (const [collection, specs] of Object.entries(INDEXES)) {
      const names = (await t.db.collection(collection).indexes()).map((i) => i.name);
      for (const spec of specs) expect(names).toContain(spec.name);
    }
  });
});

describe("query plans at depth 1,000", () => {
  const base = { thread_id: "deep", checkpoint_ns: "" };

  it("head: IXSCAN, no SORT, one document examined", async () => {
    const plan = await explain(base, 1);
    expect(plan.stages).toContain("IXSCAN");
    expect(plan.stages).not.toContain("SORT");
    expect(plan.docs).toBeLessThanOrEqual(1);
  });

  it("by id: IXSCAN, one document", async () => {
    const plan = await explain({ ...base, checkpoint_id: ids[500] });
    expect(plan.stages).toContain("IXSCAN");
    expect(plan.docs).toBe(1);
  });

  it("history(10) and history(10, before): IXSCAN, no SORT, docs examined ≤ limit", async () => {
    for (const filter of [base, { ...base, checkpoint_id: { $lt: ids[400] } }]) {
      const plan = await explain(filter, 10);
      expect(plan.stages).toContain("IXSCAN");
      expect(plan.stages).not.toContain("SORT");
      expect(plan.docs).toBeLessThanOrEqual(10);
      expect(plan.keys).toBeLessThanOrEqual(11);
    }
  });

  it("history(5) filtered by source: IXSCAN on the source index, no SORT, docs examined ≤ limit", async () => {
    const plan = await explain({ ...base, source: { $eq: "update" } }, 5);
    expect(plan.stages).toContain("IXSCAN");
    expect(plan.stages).not.toContain("SORT");
    expect(plan.docs).toBeLessThanOrEqual(5);
    const listed = await store.checkpoints.list({
      threadId: "deep",
      metadata: { source: "update" },
      limit: 5,
    });
    expect(listed.map((c) => c.metadata.step)).toEqual([990, 980, 970, 960, 950]);
  });

  it("the store's own history query is the one explained (same filter shape)", async () => {
    const listed = await store.checkpoints.list({ threadId: "deep", limit: 10, before: ids[400] });
    expect(listed.map((c) => c.checkpoint.id)).toEqual(ids.slice(390, 400).reverse());
  });
});

describe("server check", () => {
  it("connectMongoStore accepts the replica-set mongod and creates the indexes", async () => {
    const connected = await connectMongoStore(t.uri, { dbName: `${t.dbName}_c` });
    try {
      expect(await connected.db.collection("checkpoints").indexExists("thread_ns_checkpoint")).toBe(true);
      await expect(requireReplicaSet(connected.db)).resolves.toBeUndefined();
    } finally {
      await connected.db.dropDatabase();
      await connected.close();
    }
  });
});
