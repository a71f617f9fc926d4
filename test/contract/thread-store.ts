/**
 * Contract suite of `ThreadStore` (src/store/records.ts): run against the memory store and MongoDB with the same
 * tests (`stores.ts`). Covers defaults, exists/not-found errors, metadata merge, state updates, the 16 MiB limit,
 * search filters (containment, status, ids, scope), sort and paging, count, delete and prune cascades, TTL listing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DocumentTooLargeError,
  InvalidQueryError,
  ThreadExistsError,
  ThreadNotFoundError,
} from "../../src/store/errors.js";
import type { ThreadStore } from "../../src/store/records.js";
import { TRICKY_VALUES } from "./checkpoint-store.js";
import { type ContractStores, chain, type MakeStores, type StoresFixture, tick } from "./stores.js";

/** Registers the ThreadStore contract for one store. */
export function threadStoreContract(name: string, makeStores: MakeStores): void {
  describe(`ThreadStore contract: ${name}`, () => {
    let fixture: StoresFixture;
    let s: ContractStores;
    let threads: ThreadStore;
    beforeEach(async () => {
      fixture = await makeStores();
      s = fixture.stores;
      threads = s.threads;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    const ids = (page: { items: Array<{ threadId: string }> }) => page.items.map((t) => t.threadId);

    it("create fills the defaults; get returns the same record", async () => {
      const created = await threads.create({ threadId: "t1" });
      expect(created).toMatchObject({
        threadId: "t1",
        metadata: {},
        config: {},
        status: "idle",
        values: null,
        interrupts: {},
        error: null,
        ttl: null,
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime());
      expect(await threads.get("t1")).toEqual(created);
    });

    it("a taken id raises ThreadExistsError; do_nothing returns the existing thread unchanged", async () => {
      await threads.create({ threadId: "t1", metadata: { first: true } });
      await expect(threads.create({ threadId: "t1" })).rejects.toBeInstanceOf(ThreadExistsError);
      const again = await threads.create(
        { threadId: "t1", metadata: { first: false } },
        { ifExists: "do_nothing" },
      );
      expect(again.metadata).toEqual({ first: true });
    });

    it("every method on a missing thread raises ThreadNotFoundError", async () => {
      await expect(threads.get("nope")).rejects.toBeInstanceOf(ThreadNotFoundError);
      await expect(threads.patch("nope", { metadata: { a: 1 } })).rejects.toBeInstanceOf(ThreadNotFoundError);
      await expect(threads.updateState("nope", { status: "idle" })).rejects.toBeInstanceOf(
        ThreadNotFoundError,
      );
      await expect(threads.beginCheckpointWrite("nope")).rejects.toBeInstanceOf(ThreadNotFoundError);
      await expect(threads.delete("nope")).rejects.toBeInstanceOf(ThreadNotFoundError);
    });

    it("metadata, config, values, interrupts and error round-trip keys MongoDB cannot store as-is", async () => {
      await threads.create({
        threadId: "t1",
        metadata: TRICKY_VALUES,
        config: { configurable: TRICKY_VALUES },
      });
      await threads.updateState("t1", {
        values: TRICKY_VALUES,
        interrupts: { "$task.1": [{ id: "i", value: TRICKY_VALUES }] },
        error: { $err: ["a.b"] },
      });
      expect(await threads.get("t1")).toMatchObject({
        metadata: TRICKY_VALUES,
        config: { configurable: TRICKY_VALUES },
        values: TRICKY_VALUES,
        interrupts: { "$task.1": [{ id: "i", value: TRICKY_VALUES }] },
        error: { $err: ["a.b"] },
      });
    });

    it("records are copies: mutating a returned record changes nothing stored", async () => {
      const created = await threads.create({ threadId: "t1", metadata: { a: { b: 1 } } });
      (created.metadata.a as { b: number }).b = 2;
      expect((await threads.get("t1")).metadata).toEqual({ a: { b: 1 } });
    });

    it("patch shallow-merges metadata, sets the TTL and bumps updatedAt only", async () => {
      const created = await threads.create({
        threadId: "t1",
        metadata: { a: 1, b: { x: 1 }, "$weird.key": 0 },
      });
      await tick(created.updatedAt);
      const expiresAt = new Date(Date.now() + 60_000);
      const patched = await threads.patch("t1", {
        metadata: { b: { y: 2 }, c: null, "$weird.key": 5 },
        ttl: { strategy: "delete", ttlMinutes: 1, expiresAt },
      });
      expect(patched.metadata).toEqual({ a: 1, b: { y: 2 }, "$weird.key": 5, c: null });
      expect(patched.ttl).toEqual({ strategy: "delete", ttlMinutes: 1, expiresAt });
      expect(patched.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
      expect(patched.stateUpdatedAt.getTime()).toBe(created.stateUpdatedAt.getTime());
      expect(patched.createdAt.getTime()).toBe(created.createdAt.getTime());
      expect(await threads.get("t1")).toEqual(patched);
    });

    it("updateState sets the given fields, leaves the rest and bumps stateUpdatedAt", async () => {
      const created = await threads.create({ threadId: "t1" });
      await tick(created.updatedAt);
      const one = await threads.updateState("t1", {
        status: "interrupted",
        values: { messages: [1, 2], "a.b": { $gt: 1 } },
        interrupts: { task: [{ id: "i1", value: "ask" }] },
      });
      expect(one).toMatchObject({
        status: "interrupted",
        values: { messages: [1, 2], "a.b": { $gt: 1 } },
        interrupts: { task: [{ id: "i1", value: "ask" }] },
        error: null,
      });
      expect(one.stateUpdatedAt.getTime()).toBeGreaterThan(created.stateUpdatedAt.getTime());
      const two = await threads.updateState("t1", { status: "error", error: { error: "E", message: "m" } });
      expect(two.values).toEqual({ messages: [1, 2], "a.b": { $gt: 1 } });
      expect(two.error).toEqual({ error: "E", message: "m" });
      const three = await threads.updateState("t1", { values: null, interrupts: {} });
      expect(three).toMatchObject({ status: "error", values: null, interrupts: {} });
    });

    it("a state over 16 MiB raises DocumentTooLargeError and writes nothing", async () => {
      await threads.create({ threadId: "t1" });
      await threads.updateState("t1", { values: { small: 1 } });
      const big = "x".repeat(17 * 1024 * 1024);
      await expect(threads.updateState("t1", { values: { big } })).rejects.toBeInstanceOf(
        DocumentTooLargeError,
      );
      expect((await threads.get("t1")).values).toEqual({ small: 1 });
    });

    it("search by metadata is containment: nested keys, exact leaves, array elements, literal operators", async () => {
      await threads.create({
        threadId: "a",
        metadata: { user: "u1", tags: ["x", "y"], nest: { k: 1, j: [1, 2] } },
      });
      await threads.create({
        threadId: "b",
        metadata: { user: "u2", nest: { k: 2 }, op: { $gt: 1 }, n: null },
      });
      await threads.create({ threadId: "c", metadata: { user: "u1", "dot.ted": true } });
      const search = (metadata: Record<string, never> | object) =>
        threads.search({ metadata: metadata as never, sortBy: "threadId", sortOrder: "asc" }).then(ids);
      expect(await search({ user: "u1" })).toEqual(["a", "c"]);
      expect(await search({ nest: { k: 1 } })).toEqual(["a"]);
      expect(await search({ nest: {} })).toEqual(["a", "b"]);
      expect(await search({ tags: "x" })).toEqual(["a"]);
      expect(await search({ tags: ["x", "y"] })).toEqual(["a"]);
      expect(await search({ tags: ["y", "x"] })).toEqual([]);
      expect(await search({ nest: { j: [1] } })).toEqual([]);
      expect(await search({ op: { $gt: 1 } })).toEqual(["b"]);
      expect(await search({ op: { $gt: 0 } })).toEqual([]);
      expect(await search({ "dot.ted": true })).toEqual(["c"]);
      expect(await search({ n: null })).toEqual(["b"]);
      expect(await search({ user: "u1", nest: { k: 1 } })).toEqual(["a"]);
      expect(await search({})).toEqual(["a", "b", "c"]);
    });

    it("search by values, status and ids; count applies the same filters", async () => {
      await threads.create({ threadId: "a" });
      await threads.create({ threadId: "b" });
      await threads.create({ threadId: "c" });
      await threads.updateState("a", { status: "error", values: { n: 1, deep: { x: "y" } } });
      await threads.updateState("b", { values: { n: 2 } });
      const q = { sortBy: "threadId" as const, sortOrder: "asc" as const };
      expect(ids(await threads.search({ ...q, values: { deep: { x: "y" } } }))).toEqual(["a"]);
      expect(ids(await threads.search({ ...q, values: { n: 2 } }))).toEqual(["b"]);
      expect(ids(await threads.search({ ...q, status: "idle" }))).toEqual(["b", "c"]);
      expect(ids(await threads.search({ ...q, ids: ["c", "a", "zz"] }))).toEqual(["a", "c"]);
      expect(ids(await threads.search({ ...q, ids: [] }))).toEqual([]);
      expect(ids(await threads.search({ ...q, status: "idle", ids: ["a", "b"] }))).toEqual(["b"]);
      expect(await threads.count({ status: "idle" })).toBe(2);
      expect(await threads.count({ values: { n: 1 } })).toBe(1);
      expect(await threads.count({})).toBe(3);
    });

    it("search by scope: $eq and plain values match exactly, $contains needs a list holding every value", async () => {
      await threads.create({ threadId: "a", metadata: { owner: "u1", teams: ["t1", "t2"] } });
      await threads.create({ threadId: "b", metadata: { owner: "u2", teams: ["t2"] } });
      await threads.create({ threadId: "c", metadata: { owner: "u1", teams: "t1" } });
      const q = { sortBy: "threadId" as const, sortOrder: "asc" as const };
      expect(ids(await threads.search({ ...q, scope: { owner: "u1" } }))).toEqual(["a", "c"]);
      expect(ids(await threads.search({ ...q, scope: { owner: { $eq: "u2" } } }))).toEqual(["b"]);
      expect(ids(await threads.search({ ...q, scope: { teams: { $contains: "t2" } } }))).toEqual(["a", "b"]);
      expect(ids(await threads.search({ ...q, scope: { teams: { $contains: ["t1", "t2"] } } }))).toEqual([
        "a",
      ]);
      expect(ids(await threads.search({ ...q, scope: { teams: { $contains: "t1" } } }))).toEqual(["a"]);
      expect(ids(await threads.search({ ...q, scope: { owner: "u1" }, metadata: { teams: "t1" } }))).toEqual([
        "a",
        "c",
      ]);
      expect(await threads.count({ scope: { owner: "u1" } })).toBe(2);
    });

    it("search sorts (createdAt desc by default, id as tie-break) and pages; total ignores the page", async () => {
      for (const id of ["b", "a", "c"]) {
        const t = await threads.create({ threadId: id });
        await tick(t.createdAt);
      }
      expect(ids(await threads.search({}))).toEqual(["c", "a", "b"]);
      expect(ids(await threads.search({ sortOrder: "asc" }))).toEqual(["b", "a", "c"]);
      expect(ids(await threads.search({ sortBy: "threadId", sortOrder: "asc" }))).toEqual(["a", "b", "c"]);
      expect(ids(await threads.search({ sortBy: "threadId" }))).toEqual(["c", "b", "a"]);
      await threads.updateState("b", { status: "error" });
      expect(ids(await threads.search({ sortBy: "updatedAt" }))[0]).toBe("b");
      expect(ids(await threads.search({ sortBy: "status", sortOrder: "asc" }))).toEqual(["b", "a", "c"]);
      const page = await threads.search({ sortBy: "threadId", sortOrder: "asc", limit: 1, offset: 1 });
      expect(ids(page)).toEqual(["b"]);
      expect(page.total).toBe(3);
      expect(await threads.search({ limit: 0 })).toEqual({ items: [], total: 3 });
      expect((await threads.search({ offset: 5 })).items).toEqual([]);
      expect((await threads.search({ limit: 2 })).items).toHaveLength(2);
    });

    it("a bad limit or offset raises InvalidQueryError; a non-object filter too", async () => {
      await expect(threads.search({ limit: -1 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(threads.search({ limit: 1.5 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(threads.search({ offset: -2 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(threads.search({ metadata: [1] as never })).rejects.toBeInstanceOf(InvalidQueryError);
    });

    it("delete removes the thread with its runs and checkpoints; a second delete raises", async () => {
      await threads.create({ threadId: "t1" });
      await threads.create({ threadId: "t2" });
      await s.runs.create({ runId: "r1", threadId: "t1", assistantId: "a" });
      await s.runs.create({ runId: "r2", threadId: "t2", assistantId: "a" });
      await chain(s.checkpoints, "t1", 2);
      await chain(s.checkpoints, "t2", 1);
      await threads.delete("t1");
      await expect(threads.get("t1")).rejects.toBeInstanceOf(ThreadNotFoundError);
      await expect(s.runs.get("r1")).rejects.toThrow();
      expect(await s.checkpoints.getTuple({ threadId: "t1" })).toBeUndefined();
      expect((await s.runs.get("r2")).threadId).toBe("t2");
      expect(await s.checkpoints.getTuple({ threadId: "t2" })).toBeDefined();
      await expect(threads.delete("t1")).rejects.toBeInstanceOf(ThreadNotFoundError);
    });

    it("prune delete removes existing threads and counts them; missing ids are skipped", async () => {
      await threads.create({ threadId: "t1" });
      await threads.create({ threadId: "t2" });
      await threads.create({ threadId: "t3" });
      await chain(s.checkpoints, "t1", 1);
      expect(await threads.prune(["t1", "t2", "t1", "missing"], "delete")).toBe(2);
      expect(await s.checkpoints.getTuple({ threadId: "t1" })).toBeUndefined();
      expect(await threads.count({})).toBe(1);
      expect(await threads.prune(["t1"], "delete")).toBe(0);
    });

    it("prune keep_latest keeps the newest checkpoint of each namespace and clears the TTL", async () => {
      const expiresAt = new Date(Date.now() - 1000);
      await threads.create({ threadId: "t1", ttl: { strategy: "keep_latest", ttlMinutes: 5, expiresAt } });
      const root = await chain(s.checkpoints, "t1", 3);
      const sub = await chain(s.checkpoints, "t1", 2, "child:1");
      expect(await threads.prune(["t1", "missing"], "keep_latest")).toBe(1);
      const left = await s.checkpoints.list({ threadId: "t1" });
      expect(left.map((c) => c.checkpoint.id)).toEqual([root[2]]);
      const leftSub = await s.checkpoints.list({ threadId: "t1", checkpointNs: "child:1" });
      expect(leftSub.map((c) => c.checkpoint.id)).toEqual([sub[1]]);
      const thread = await threads.get("t1");
      expect(thread.ttl).toBeNull();
      expect(await threads.listExpired(new Date(), 10)).toEqual([]);
    });

    it("copyThreadCheckpoints copies every namespace with ids, parents and writes, retargeting metadata.thread_id", async () => {
      const root = await chain(s.checkpoints, "src", 2, "", { thread_id: "src" });
      const sub = await chain(s.checkpoints, "src", 1, "child:1");
      const head = root[1] as string;
      await s.checkpoints.putWrites({ threadId: "src", checkpointNs: "", checkpointId: head }, [
        { taskId: "task", taskPath: "~", idx: 0, channel: "c", value: { "$v.1": 1 } },
      ]);
      await s.copyThreadCheckpoints("src", "dst");
      const copied = await s.checkpoints.getTuple({ threadId: "dst" });
      expect(copied).toMatchObject({
        threadId: "dst",
        checkpoint: { id: head },
        parentCheckpointId: root[0],
        metadata: { thread_id: "dst" },
        pendingWrites: [{ taskId: "task", idx: 0, channel: "c", value: { "$v.1": 1 } }],
      });
      expect((await s.checkpoints.list({ threadId: "dst" })).map((c) => c.checkpoint.id)).toEqual([
        head,
        root[0],
      ]);
      expect(
        (await s.checkpoints.getTuple({ threadId: "dst", checkpointNs: "child:1" }))?.checkpoint.id,
      ).toBe(sub[0]);
      expect((await s.checkpoints.getTuple({ threadId: "src" }))?.metadata.thread_id).toBe("src");
      await expect(s.copyThreadCheckpoints("src", "dst")).rejects.toThrow();
    });

    it("listExpired lists expired TTLs oldest expiry first, up to limit", async () => {
      const now = Date.now();
      const ttl = (ms: number, strategy: "delete" | "keep_latest" = "delete") => ({
        strategy,
        ttlMinutes: 1,
        expiresAt: new Date(now + ms),
      });
      await threads.create({ threadId: "late", ttl: ttl(-1000) });
      await threads.create({ threadId: "early", ttl: ttl(-5000, "keep_latest") });
      await threads.create({ threadId: "future", ttl: ttl(60_000) });
      await threads.create({ threadId: "none" });
      const at = new Date(now);
      expect(await threads.listExpired(at, 10)).toEqual([
        { threadId: "early", strategy: "keep_latest" },
        { threadId: "late", strategy: "delete" },
      ]);
      expect(await threads.listExpired(at, 1)).toEqual([{ threadId: "early", strategy: "keep_latest" }]);
      expect((await threads.listExpired(new Date(now + 120_000), 10)).map((t) => t.threadId)).toEqual([
        "early",
        "late",
        "future",
      ]);
    });
  });
}
