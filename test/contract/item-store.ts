/**
 * Contract suite of the long-term memory store (`ItemStore`, src/engine/item-store.ts; docs/store.md), memory and
 * MongoDB alike (`stores.ts`): put/get/delete, `createdAt` across replacements, argument checks, TTLs and their
 * refresh, prefix search with filters, scope, order and paging, text search matches, namespace listing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidItemError, type ItemStore } from "../../src/engine/item-store.js";
import { TRICKY_VALUES } from "./checkpoint-store.js";
import { type MakeStores, type StoresFixture, tick } from "./stores.js";

/** Registers the ItemStore contract for one store. */
export function itemStoreContract(name: string, makeStores: MakeStores): void {
  describe(`ItemStore contract: ${name}`, () => {
    let fixture: StoresFixture;
    let items: ItemStore;
    beforeEach(async () => {
      fixture = await makeStores();
      items = fixture.stores.items;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    const keys = (list: Array<{ key: string }>) => list.map((i) => i.key);

    it("put then get round-trips the value; a replacement keeps createdAt; delete removes it", async () => {
      await items.put(["a", "b"], "k", { ...TRICKY_VALUES });
      const first = await items.get(["a", "b"], "k");
      expect(first).toMatchObject({ namespace: ["a", "b"], key: "k", value: TRICKY_VALUES });
      expect(first?.expiresAt).toBeUndefined();
      expect(first?.createdAt.getTime()).toBe(first?.updatedAt.getTime());
      await tick(first?.updatedAt);
      await items.put(["a", "b"], "k", { v: 2 });
      const second = await items.get(["a", "b"], "k");
      expect(second?.value).toEqual({ v: 2 });
      expect(second?.createdAt.getTime()).toBe(first?.createdAt.getTime());
      expect(second?.updatedAt.getTime()).toBeGreaterThan(first?.updatedAt.getTime() ?? 0);
      expect(await items.get(["a"], "k")).toBeUndefined();
      expect(await items.get(["a", "b"], "other")).toBeUndefined();
      await items.delete(["a", "b"], "k");
      expect(await items.get(["a", "b"], "k")).toBeUndefined();
      await items.delete(["a", "b"], "k");
    });

    it("a refused call throws InvalidItemError naming the field and writes nothing", async () => {
      const field = (p: Promise<unknown>) =>
        p.then(
          () => "resolved",
          (e: unknown) => (e instanceof InvalidItemError ? e.field : String(e)),
        );
      expect(await field(items.put([], "k", {}))).toBe("namespace");
      expect(await field(items.put(["a.b"], "k", {}))).toBe("namespace");
      expect(await field(items.put([""], "k", {}))).toBe("namespace");
      expect(await field(items.put(["a"], "", {}))).toBe("key");
      expect(await field(items.put(["a"], "k", [] as never))).toBe("value");
      expect(await field(items.put(["a"], "k", {}, { ttlMinutes: 0 }))).toBe("ttl");
      expect(await field(items.put(["a"], "k", {}, { index: "x" as never }))).toBe("index");
      expect(await field(items.search(["a"], { limit: -1 }))).toBe("limit");
      expect(await field(items.search(["a"], { offset: 1.5 }))).toBe("offset");
      expect(await field(items.search(["a"], { filter: [] as never }))).toBe("filter");
      expect(await field(items.search(["a"], { query: 1 as never }))).toBe("query");
      expect(await field(items.listNamespaces({ maxDepth: 0 }))).toBe("max_depth");
      expect(await field(items.listNamespaces({ prefix: ["x.y"] }))).toBe("prefix");
      expect(await items.search([])).toEqual([]);
    });

    it("a TTL sets expiresAt; reads refresh it unless refreshTtl is false; an expired item is invisible", async () => {
      await items.put(["t"], "k", { v: 1 }, { ttlMinutes: 1 });
      const put = await items.get(["t"], "k", { refreshTtl: false });
      const expires = put?.expiresAt?.getTime() ?? 0;
      expect(expires - (put?.updatedAt.getTime() ?? 0)).toBe(60_000);
      await tick(new Date(expires - 60_000));
      const same = await items.get(["t"], "k", { refreshTtl: false });
      expect(same?.expiresAt?.getTime()).toBe(expires);
      const refreshed = await items.get(["t"], "k");
      expect(refreshed?.expiresAt?.getTime()).toBeGreaterThan(expires);
      await tick(refreshed?.expiresAt && new Date(refreshed.expiresAt.getTime() - 60_000));
      const [found] = await items.search(["t"]);
      expect(found?.expiresAt?.getTime()).toBeGreaterThan(refreshed?.expiresAt?.getTime() ?? 0);
      await items.put(["t"], "k", { v: 2 });
      expect((await items.get(["t"], "k"))?.expiresAt).toBeUndefined();
      // Fractions of a minute are allowed: 1 ms.
      await items.put(["t"], "gone", { v: 1 }, { ttlMinutes: 1 / 60_000 });
      await tick(new Date(Date.now() + 2));
      expect(await items.get(["t"], "gone")).toBeUndefined();
      expect(keys(await items.search(["t"]))).toEqual(["k"]);
      expect(await items.listNamespaces({ prefix: ["t"] })).toEqual([["t"]]);
      await items.put(["t"], "gone", { v: 2 });
      const reborn = await items.get(["t"], "gone");
      expect(reborn?.createdAt.getTime()).toBe(reborn?.updatedAt.getTime());
    });

    it("search matches whole-label prefixes, filters by containment and scope, newest update first", async () => {
      await items.put(["users", "u1"], "a", { kind: "note", tags: ["x"], n: { deep: 1 } });
      await tick();
      await items.put(["users", "u1", "sub"], "b", { kind: "pref", tags: ["x", "y"] });
      await tick();
      await items.put(["users", "u10"], "c", { kind: "note", $op: { $gt: 1 } });
      await tick();
      await items.put(["other"], "d", { kind: "note" });
      expect(keys(await items.search(["users"]))).toEqual(["c", "b", "a"]);
      expect(keys(await items.search(["users", "u1"]))).toEqual(["b", "a"]);
      expect(keys(await items.search([]))).toEqual(["d", "c", "b", "a"]);
      expect(keys(await items.search(["users"], { filter: { kind: "note" } }))).toEqual(["c", "a"]);
      expect(keys(await items.search(["users"], { filter: { n: { deep: 1 } } }))).toEqual(["a"]);
      expect(keys(await items.search(["users"], { filter: { tags: "y" } }))).toEqual(["b"]);
      expect(keys(await items.search(["users"], { filter: { $op: { $gt: 1 } } }))).toEqual(["c"]);
      expect(keys(await items.search([], { scope: { tags: { $contains: "x" } } }))).toEqual(["b", "a"]);
      expect(
        keys(await items.search([], { scope: { kind: { $eq: "note" } }, filter: { tags: ["x"] } })),
      ).toEqual(["a"]);
      expect(keys(await items.search([], { limit: 2, offset: 1 }))).toEqual(["c", "b"]);
      expect(await items.search([], { limit: 0 })).toEqual([]);
      await items.put(["users", "u1"], "a", { kind: "note", tags: ["x"], n: { deep: 1 } });
      expect(keys(await items.search(["users"]))).toEqual(["a", "c", "b"]);
    });

    it("a text query returns the items whose indexed strings hold a query word, with a score", async () => {
      await items.put(["d"], "cat", { text: "the cat sat on the mat", other: "zebra" });
      await items.put(["d"], "dog", { text: "a dog barked", other: "zebra zebra" }, { index: ["text"] });
      await items.put(["d"], "none", { text: "cat dog" }, { index: false });
      await items.put(["d"], "nested", { a: { b: ["giraffe", { c: "cat cat cat" }] } });
      const found = await items.search(["d"], { query: "giraffe" });
      expect(keys(found)).toEqual(["nested"]);
      expect(typeof found[0]?.score).toBe("number");
      expect(keys(await items.search(["d"], { query: "zebra" })).sort()).toEqual(["cat"]);
      expect(keys(await items.search(["d"], { query: "barked" }))).toEqual(["dog"]);
      expect(keys(await items.search(["d"], { query: "cat" })).sort()).toEqual(["cat", "nested"]);
      expect(keys(await items.search(["d"], { query: "elephant" }))).toEqual([]);
      expect((await items.search(["d"], { query: "  " })).length).toBe(4);
      expect((await items.search(["d"])).every((i) => i.score === undefined)).toBe(true);
    });

    it("listNamespaces dedupes, sorts by dot-joined path, matches prefix/suffix with '*', truncates to maxDepth", async () => {
      await items.put(["a", "b", "c"], "k", {});
      await items.put(["a", "b", "c"], "k2", {});
      await items.put(["a", "b"], "k", {});
      await items.put(["a", "x", "c"], "k", {});
      await items.put(["az"], "k", {});
      await items.put(["a-z"], "k", {});
      await items.put(["b", "c"], "k", {});
      // Sorted by the dot-joined path (docs/store.md), as LangGraph's stores order them: "-" sorts below ".".
      expect(await items.listNamespaces()).toEqual([
        ["a-z"],
        ["a", "b"],
        ["a", "b", "c"],
        ["a", "x", "c"],
        ["az"],
        ["b", "c"],
      ]);
      expect(await items.listNamespaces({ prefix: ["a"] })).toEqual([
        ["a", "b"],
        ["a", "b", "c"],
        ["a", "x", "c"],
      ]);
      expect(await items.listNamespaces({ prefix: ["a", "*", "c"] })).toEqual([
        ["a", "b", "c"],
        ["a", "x", "c"],
      ]);
      expect(await items.listNamespaces({ suffix: ["c"] })).toEqual([
        ["a", "b", "c"],
        ["a", "x", "c"],
        ["b", "c"],
      ]);
      expect(await items.listNamespaces({ suffix: ["*", "c"] })).toEqual([
        ["a", "b", "c"],
        ["a", "x", "c"],
        ["b", "c"],
      ]);
      expect(await items.listNamespaces({ prefix: ["a"], suffix: ["b"] })).toEqual([["a", "b"]]);
      expect(await items.listNamespaces({ maxDepth: 1 })).toEqual([["a"], ["a-z"], ["az"], ["b"]]);
      expect(await items.listNamespaces({ prefix: ["a"], maxDepth: 2 })).toEqual([
        ["a", "b"],
        ["a", "x"],
      ]);
      expect(await items.listNamespaces({ limit: 2, offset: 1 })).toEqual([
        ["a", "b"],
        ["a", "b", "c"],
      ]);
      expect(await items.listNamespaces({ limit: 0 })).toEqual([]);
    });
  });
}
