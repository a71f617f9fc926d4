/**
 * The MongoDB item store (`src/store/mongo/items.ts`, docs/store.md) directly: concurrent first puts of one key
 * make one document (unique `(ns, key)`), values with keys MongoDB cannot store as-is round-trip, client strings
 * never become expressions, a refused call writes nothing, the indexes exist, and a prefix search uses `ns_key`.
 */
import type { Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidItemError, type ItemStore } from "../../src/engine/index.js";
import { createMongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let t: TestDb;
let items: ItemStore;

beforeAll(async () => {
  t = await openTestDb("store_items");
  const store = createMongoStore({ client: t.client, dbName: t.dbName });
  await store.ensureIndexes();
  items = store.items;
});
afterAll(async () => {
  await t?.drop();
});

const collection = () => t.db.collection("store_items");

function stages(plan: Document): string[] {
  const out: string[] = [plan.stage as string];
  if (plan.inputStage) out.push(...stages(plan.inputStage as Document));
  return out;
}

describe("MongoDB item store", () => {
  it("concurrent first puts of one key leave one document holding one of the values", async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => items.put(["race"], "k", { i })));
    expect(await collection().countDocuments({ ns: "race", key: "k" })).toBe(1);
    const item = await items.get(["race"], "k");
    expect(typeof item?.value.i).toBe("number");
  });

  it("values with $-keys, dotted keys and $-strings round-trip and are stored, not evaluated", async () => {
    const value = { $set: { x: 1 }, "a.b": "$ns", "": "$$NOW", nested: [{ $literal: "$key" }] };
    await items.put(["enc"], "$set", value);
    expect((await items.get(["enc"], "$set"))?.value).toEqual(value);
    const doc = await collection().findOne({ ns: "enc" });
    expect(doc?.key).toBe("$set");
    expect(doc?.value["%24set"]).toEqual({ x: 1 });
    expect(doc?.value["a%2Eb"]).toBe("$ns");
  });

  it("a refused call throws InvalidItemError naming the field and writes nothing", async () => {
    const before = await collection().countDocuments();
    await expect(items.put(["ok", "bad.label"], "k", {})).rejects.toMatchObject({ field: "namespace" });
    await expect(items.put(["ok"], "", {})).rejects.toBeInstanceOf(InvalidItemError);
    await expect(items.put(["ok"], "k", [] as never)).rejects.toMatchObject({ field: "value" });
    await expect(items.put(["ok"], "k", {}, { ttlMinutes: 0 })).rejects.toMatchObject({ field: "ttl" });
    await expect(items.search(["ok"], { limit: -1 })).rejects.toMatchObject({ field: "limit" });
    await expect(items.listNamespaces({ maxDepth: 0 })).rejects.toMatchObject({ field: "max_depth" });
    expect(await collection().countDocuments()).toBe(before);
  });

  it("creates the unique, text and TTL indexes, and a prefix search scans ns_key", async () => {
    const indexes = await collection().indexes();
    const byName = new Map(indexes.map((i) => [i.name, i]));
    expect(byName.get("ns_key")?.unique).toBe(true);
    expect(byName.get("expires_at")?.expireAfterSeconds).toBe(0);
    expect(byName.get("text")?.key).toMatchObject({ _fts: "text" });
    for (let i = 0; i < 20; i++) await items.put(["scan", `u${i}`], "k", { i });
    const plan = await collection()
      .find({ ns: { $regex: "^scan\\.u1(\\.|$)" } })
      .explain("executionStats");
    expect(stages(plan.queryPlanner.winningPlan as Document)).toContain("IXSCAN");
    expect((await items.search(["scan", "u1"])).map((i) => i.namespace)).toEqual([["scan", "u1"]]);
  });
});
