/**
 * Contract suite of `AssistantStore` (src/store/records.ts), memory and MongoDB alike (`stores.ts`): defaults,
 * errors, patch and versions (docs/api.md §3 "Assistant versions"), search filters, sort, paging, count, delete.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AssistantExistsError,
  AssistantNotFoundError,
  AssistantVersionNotFoundError,
  InvalidQueryError,
} from "../../src/store/errors.js";
import type { AssistantStore } from "../../src/store/records.js";
import { type MakeStores, type StoresFixture, tick } from "./stores.js";

/** Registers the AssistantStore contract for one store. */
export function assistantStoreContract(name: string, makeStores: MakeStores): void {
  describe(`AssistantStore contract: ${name}`, () => {
    let fixture: StoresFixture;
    let assistants: AssistantStore;
    beforeEach(async () => {
      fixture = await makeStores();
      assistants = fixture.stores.assistants;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    const ids = (page: { items: Array<{ assistantId: string }> }) => page.items.map((a) => a.assistantId);

    it("create fills the defaults (version 1, name = graph id); get returns the same record", async () => {
      const a = await assistants.create({ assistantId: "a1", graphId: "agent" });
      expect(a).toMatchObject({
        assistantId: "a1",
        graphId: "agent",
        config: {},
        context: {},
        metadata: {},
        version: 1,
        name: "agent",
        description: null,
      });
      expect(await assistants.get("a1")).toEqual(a);
      const versions = await assistants.listVersions("a1", {});
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({ assistantId: "a1", version: 1, graphId: "agent", name: "agent" });
    });

    it("a taken id raises AssistantExistsError; do_nothing returns the existing one unchanged", async () => {
      await assistants.create({ assistantId: "a1", graphId: "agent", name: "first" });
      await expect(assistants.create({ assistantId: "a1", graphId: "other" })).rejects.toBeInstanceOf(
        AssistantExistsError,
      );
      const again = await assistants.create(
        { assistantId: "a1", graphId: "other" },
        { ifExists: "do_nothing" },
      );
      expect(again).toMatchObject({ graphId: "agent", name: "first" });
    });

    it("missing assistants raise AssistantNotFoundError", async () => {
      await expect(assistants.get("nope")).rejects.toBeInstanceOf(AssistantNotFoundError);
      await expect(assistants.patch("nope", { name: "x" })).rejects.toBeInstanceOf(AssistantNotFoundError);
      await expect(assistants.delete("nope")).rejects.toBeInstanceOf(AssistantNotFoundError);
      await expect(assistants.listVersions("nope", {})).rejects.toBeInstanceOf(AssistantNotFoundError);
      await expect(assistants.setLatest("nope", 1)).rejects.toBeInstanceOf(AssistantNotFoundError);
    });

    it("patch replaces fields, merges metadata shallowly and writes the next version", async () => {
      const a = await assistants.create({
        assistantId: "a1",
        graphId: "agent",
        config: { tags: ["x"] },
        metadata: { keep: 1, over: { a: 1 } },
        description: "d",
      });
      await tick(a.updatedAt);
      const p = await assistants.patch("a1", {
        config: { recursion_limit: 5 },
        metadata: { over: { b: 2 }, add: true },
      });
      expect(p).toMatchObject({
        version: 2,
        config: { recursion_limit: 5 },
        metadata: { keep: 1, over: { b: 2 }, add: true },
        name: "agent",
        description: "d",
        graphId: "agent",
      });
      expect(p.updatedAt.getTime()).toBeGreaterThan(a.updatedAt.getTime());
      expect(p.createdAt.getTime()).toBe(a.createdAt.getTime());
      const p3 = await assistants.patch("a1", { name: "renamed", description: null, graphId: "g2" });
      expect(p3).toMatchObject({ version: 3, name: "renamed", description: null, graphId: "g2" });
      expect((await assistants.listVersions("a1", {})).map((v) => v.version)).toEqual([3, 2, 1]);
    });

    it("concurrent patches get distinct versions, each stored", async () => {
      await assistants.create({ assistantId: "a1", graphId: "agent" });
      const patched = await Promise.all([1, 2, 3, 4].map((n) => assistants.patch("a1", { metadata: { n } })));
      expect(patched.map((a) => a.version).sort()).toEqual([2, 3, 4, 5]);
      const versions = await assistants.listVersions("a1", {});
      expect(versions.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
      for (const a of patched) {
        expect(versions.find((v) => v.version === a.version)?.metadata).toEqual(a.metadata);
      }
    });

    it("setLatest pins an older version; the next patch numbers above the highest written", async () => {
      await assistants.create({ assistantId: "a1", graphId: "agent", metadata: { v: 1 }, context: { c: 1 } });
      await assistants.patch("a1", { metadata: { v: 2 }, context: { c: 2 }, name: "two" });
      const pinned = await assistants.setLatest("a1", 1);
      expect(pinned).toMatchObject({ version: 1, metadata: { v: 1 }, context: { c: 1 }, name: "agent" });
      expect(await assistants.get("a1")).toEqual(pinned);
      const next = await assistants.patch("a1", { name: "three" });
      expect(next).toMatchObject({ version: 3, name: "three", metadata: { v: 1 }, context: { c: 1 } });
      await expect(assistants.setLatest("a1", 7)).rejects.toBeInstanceOf(AssistantVersionNotFoundError);
      expect((await assistants.get("a1")).version).toBe(3);
    });

    it("listVersions filters by metadata containment, pages newest first and validates paging", async () => {
      await assistants.create({ assistantId: "a1", graphId: "agent", metadata: { tag: "x" } });
      await assistants.patch("a1", { metadata: { tag: "y" } });
      await assistants.patch("a1", { metadata: { tag: "x", more: 1 } });
      const versions = (q: Parameters<AssistantStore["listVersions"]>[1]) =>
        assistants.listVersions("a1", q).then((vs) => vs.map((v) => v.version));
      expect(await versions({ metadata: { tag: "x" } })).toEqual([3, 1]);
      expect(await versions({ limit: 1, offset: 1 })).toEqual([2]);
      expect(await versions({ limit: 0 })).toEqual([]);
      await expect(versions({ limit: -1 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(versions({ offset: 1.5 })).rejects.toBeInstanceOf(InvalidQueryError);
    });

    it("search by graph id, literal case-insensitive name substring, metadata and scope; count alike", async () => {
      await assistants.create({
        assistantId: "a",
        graphId: "g1",
        name: "Alpha Bot",
        metadata: { team: "x" },
      });
      await assistants.create({ assistantId: "b", graphId: "g2", name: "beta.bot", metadata: { team: "y" } });
      await assistants.create({
        assistantId: "c",
        graphId: "g1",
        name: "gamma",
        metadata: { team: "x", o: ["u"] },
      });
      const q = { sortBy: "assistantId" as const, sortOrder: "asc" as const };
      expect(ids(await assistants.search({ ...q, graphId: "g1" }))).toEqual(["a", "c"]);
      expect(ids(await assistants.search({ ...q, name: "BOT" }))).toEqual(["a", "b"]);
      expect(ids(await assistants.search({ ...q, name: "a.bot" }))).toEqual(["b"]);
      expect(ids(await assistants.search({ ...q, name: ".*" }))).toEqual([]);
      expect(ids(await assistants.search({ ...q, metadata: { team: "x" } }))).toEqual(["a", "c"]);
      expect(ids(await assistants.search({ ...q, scope: { o: { $contains: "u" } } }))).toEqual(["c"]);
      expect(ids(await assistants.search({ ...q, graphId: "g1", name: "alp" }))).toEqual(["a"]);
      expect(await assistants.count({ graphId: "g1" })).toBe(2);
      expect(await assistants.count({ metadata: { team: "y" }, name: "beta" })).toBe(1);
      expect(await assistants.count({})).toBe(3);
    });

    it("search sorts (createdAt desc by default), pages and counts the total; bad paging raises", async () => {
      for (const [id, name] of [
        ["b", "zeta"],
        ["c", "alpha"],
        ["a", "mid"],
      ] as const) {
        const a = await assistants.create({ assistantId: id, graphId: "g", name });
        await tick(a.createdAt);
      }
      expect(ids(await assistants.search({}))).toEqual(["a", "c", "b"]);
      expect(ids(await assistants.search({ sortBy: "name", sortOrder: "asc" }))).toEqual(["c", "a", "b"]);
      expect(ids(await assistants.search({ sortBy: "assistantId" }))).toEqual(["c", "b", "a"]);
      await assistants.patch("b", { name: "zeta2" });
      expect(ids(await assistants.search({ sortBy: "updatedAt" }))[0]).toBe("b");
      const page = await assistants.search({ sortBy: "assistantId", sortOrder: "asc", limit: 2, offset: 1 });
      expect(ids(page)).toEqual(["b", "c"]);
      expect(page.total).toBe(3);
      expect(await assistants.search({ limit: 0 })).toEqual({ items: [], total: 3 });
      await expect(assistants.search({ limit: -1 })).rejects.toBeInstanceOf(InvalidQueryError);
    });

    it("delete removes the assistant and its versions", async () => {
      await assistants.create({ assistantId: "a1", graphId: "g" });
      await assistants.patch("a1", { name: "n" });
      await assistants.delete("a1");
      await expect(assistants.get("a1")).rejects.toBeInstanceOf(AssistantNotFoundError);
      await expect(assistants.listVersions("a1", {})).rejects.toBeInstanceOf(AssistantNotFoundError);
      const again = await assistants.create({ assistantId: "a1", graphId: "g" });
      expect(again.version).toBe(1);
      expect((await assistants.listVersions("a1", {})).map((v) => v.version)).toEqual([1]);
    });
  });
}
