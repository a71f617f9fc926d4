/**
 * The assistant cache (`src/store/assistant-cache.ts`): served from memory only while attached to a change feed,
 * invalidated by writes through it and by change events, never storing a read that overlapped an invalidation;
 * and, on the real `mongod`, kept in step with another replica's PATCH by the runtime's change stream.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAssistantCache } from "../../src/store/assistant-cache.js";
import { createMongoChangeWatcher } from "../../src/store/mongo/change-watcher.js";
import { createMongoStore } from "../../src/store/mongo/index.js";
import type { AssistantRecord, AssistantStore } from "../../src/store/records.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

const record = (id: string, version = 1): AssistantRecord => ({
  assistantId: id,
  graphId: "agent",
  config: { configurable: { model: `v${version}` } },
  context: {},
  createdAt: new Date(0),
  updatedAt: new Date(version),
  metadata: {},
  version,
  name: id,
  description: null,
});

/** An in-memory assistant source counting its reads; `gate` holds the next read until released. */
function source() {
  const docs = new Map<string, AssistantRecord>();
  let reads = 0;
  let gate: Promise<void> | undefined;
  const store: AssistantStore = {
    async get(id) {
      reads++;
      const value = docs.get(id);
      await gate;
      if (!value) throw new Error(`no ${id}`);
      return structuredClone(value);
    },
    create: async (input) => record(input.assistantId ?? "x"),
    patch: async (id) => {
      const next = record(id, (docs.get(id)?.version ?? 0) + 1);
      docs.set(id, next);
      return next;
    },
    delete: async (id) => void docs.delete(id),
    search: async () => ({ items: [], total: 0 }),
    count: async () => 0,
    listVersions: async () => [],
    setLatest: async (id, version) => {
      const next = record(id, version);
      docs.set(id, next);
      return next;
    },
  };
  return {
    store,
    docs,
    reads: () => reads,
    hold() {
      let release = () => {};
      gate = new Promise<void>((r) => {
        release = r;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe("assistant cache", () => {
  it("reads through until attached, then serves copies from memory", async () => {
    const s = source();
    s.docs.set("a", record("a"));
    const cache = createAssistantCache(s.store);
    await cache.get("a");
    await cache.get("a");
    expect(s.reads()).toBe(2);
    cache.attach();
    const first = await cache.get("a");
    (first.config.configurable as Record<string, unknown>).model = "mutated by a caller";
    const second = await cache.get("a");
    expect(s.reads()).toBe(3);
    expect(second.config).toEqual({ configurable: { model: "v1" } });
  });

  it("invalidates on writes through it, on change events and on detach", async () => {
    const s = source();
    s.docs.set("a", record("a"));
    const cache = createAssistantCache(s.store);
    cache.attach();
    await cache.get("a");
    await cache.patch("a", { name: "b" });
    expect((await cache.get("a")).version).toBe(2);
    s.docs.set("a", record("a", 7)); // changed by another replica
    expect((await cache.get("a")).version).toBe(2);
    cache.invalidate("a");
    expect((await cache.get("a")).version).toBe(7);
    cache.detach();
    expect(cache.size()).toBe(0);
    const before = s.reads();
    await cache.get("a");
    await cache.get("a");
    expect(s.reads()).toBe(before + 2);
  });

  it("does not store a read that overlapped an invalidation", async () => {
    const s = source();
    s.docs.set("a", record("a", 1));
    const cache = createAssistantCache(s.store);
    cache.attach();
    const release = s.hold();
    const slow = cache.get("a"); // reads version 1 ...
    s.docs.set("a", record("a", 2));
    cache.invalidate("a"); // ... while the change event for version 2 arrives
    release();
    expect((await slow).version).toBe(1);
    expect((await cache.get("a")).version).toBe(2);
  });

  it("expires entries after ttlMs and evicts the least recently used beyond maxEntries", async () => {
    const s = source();
    for (const id of ["a", "b", "c"]) s.docs.set(id, record(id));
    let now = 0;
    const cache = createAssistantCache(s.store, { ttlMs: 100, maxEntries: 2, now: () => now });
    cache.attach();
    await cache.get("a");
    await cache.get("b");
    await cache.get("a"); // a is now the most recently used
    await cache.get("c"); // evicts b
    expect(cache.size()).toBe(2);
    const reads = s.reads();
    await cache.get("a");
    expect(s.reads()).toBe(reads);
    await cache.get("b");
    expect(s.reads()).toBe(reads + 1);
    now = 1000;
    await cache.get("a");
    expect(s.reads()).toBe(reads + 2);
  });
});

describe("assistant cache on MongoDB with the runtime's change stream", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb("assistant_cache");
  });
  afterAll(async () => {
    await t.drop();
  });

  it("sees another replica's PATCH, its setLatest and a dropped database", async () => {
    const replicaA = createMongoStore({ client: t.client, dbName: t.dbName });
    const replicaB = createMongoStore({ client: t.client, dbName: t.dbName });
    let reads = 0;
    const counted: AssistantStore = {
      ...replicaB.assistants,
      get: (id) => {
        reads++;
        return replicaB.assistants.get(id);
      },
    };
    const cache = createAssistantCache(counted);
    const stop = createMongoChangeWatcher(t.db, { retryMs: 50, assistants: cache })(() => {});
    try {
      const created = await replicaA.assistants.create({
        assistantId: randomUUID(),
        graphId: "agent",
        config: { configurable: { model: "one" } },
        metadata: {},
        context: {},
      });
      const id = created.assistantId;
      const until = async (check: () => Promise<boolean>) => {
        for (let i = 0; i < 100; i++) {
          if (await check()) return;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error("condition not reached in 2 s");
      };
      await until(async () => cache.attached());
      // Served from memory once the create's own change event has gone by.
      await until(async () => {
        const before = reads;
        await cache.get(id);
        return reads === before;
      });
      const cached = reads;
      for (let i = 0; i < 5; i++) await cache.get(id);
      expect(reads).toBe(cached);

      await replicaA.assistants.patch(id, { config: { configurable: { model: "two" } } });
      const model = async () => ((await cache.get(id)).config.configurable as Record<string, unknown>).model;
      await until(async () => (await model()) === "two");
      expect((await cache.get(id)).version).toBe(2);
      // Pinning an older version rewrites the document: the change stream tells this replica's cache too.
      await until(async () => {
        const before = reads;
        await cache.get(id);
        return reads === before;
      });
      await replicaA.assistants.setLatest(id, 1);
      await until(async () => (await model()) === "one");
      expect((await cache.get(id)).version).toBe(1);

      await t.db.dropDatabase(); // the stream is invalidated: the cache detaches, then reattaches
      await until(async () => cache.size() === 0);
      await expect(cache.get(id)).rejects.toThrow();
    } finally {
      await stop();
    }
  });
});
