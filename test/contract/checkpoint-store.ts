/**
 * Reusable contract suite for `CheckpointStore` (src/engine/store.ts). Every store runs the very same tests:
 *
 * ```ts
 * checkpointStoreContract("memory", async () => ({ store: new MemoryStore() }));
 * checkpointStoreContract("mongo", async () => { const s = await openMongoStore(uniqueDb()); return { store: s, cleanup: () => s.drop() }; });
 * ```
 * `makeStore` is called before each test and must return an empty store; `cleanup` runs after each test.
 * Both stores implement the optional `writeBatch`; its tests (`writeBatch …`) require it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Checkpoint,
  CheckpointConflictError,
  type CheckpointMetadata,
  type CheckpointStore,
  type JsonValue,
  newCheckpointId,
  type PendingWrite,
  type PutCheckpointInput,
  type StoreWrite,
} from "../../src/engine/index.js";

/** What a store factory returns to the contract suite. */
export interface StoreFixture {
  store: CheckpointStore;
  cleanup?: () => Promise<void>;
}

/** Values a store must round-trip exactly (keys MongoDB cannot store as-is included). */
export const TRICKY_VALUES: Record<string, JsonValue> = {
  $dollar: { $set: 1, "a.b": [1, { "$in.x": null }] },
  "dotted.key": "v",
  nested: { deep: [[[]], {}, [null, true, false, 0, -1.5, 2 ** 52]] },
  unicode: "héllo \u{1F600} \u0000 end",
  empty: "",
  emptyObj: {},
  emptyArr: [],
  _id: "not an id",
};

function checkpoint(id: string, channelValues: Record<string, JsonValue> = {}): Checkpoint {
  return {
    v: 4,
    id,
    ts: new Date().toISOString(),
    channelValues,
    channelVersions: Object.fromEntries(Object.keys(channelValues).map((k, i) => [k, i + 1])),
    versionsSeen: { __input__: {}, node: { "branch:to:node": 1 } },
  };
}

function meta(
  source: CheckpointMetadata["source"],
  step: number,
  extra: Record<string, JsonValue> = {},
): CheckpointMetadata {
  return { source, step, parents: {}, ...extra };
}

function write(
  taskId: string,
  taskPath: string,
  idx: number,
  channel: string,
  value: JsonValue,
): PendingWrite {
  return { taskId, taskPath, idx, channel, value };
}

/** Registers the contract tests for one store under `describe("CheckpointStore contract: <name>")`. */
export function checkpointStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: CheckpointStore;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    async function chain(threadId: string, n: number, ns = ""): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = newCheckpointId(i - 1, ids);
        await store.put({
          threadId,
          checkpointNs: ns,
          checkpoint: checkpoint(id, { step: i }),
          metadata: meta(i === 0 ? "input" : "loop", i - 1),
          parentCheckpointId: ids[ids.length - 1] ?? null,
        });
        ids.push(id);
      }
      return ids;
    }

    it("getTuple of an unknown thread or id is undefined", async () => {
      expect(await store.getTuple({ threadId: "nope" })).toBeUndefined();
      const [id] = await chain("t", 1);
      expect(id).toBeDefined();
      expect(await store.getTuple({ threadId: "t", checkpointId: newCheckpointId(0) })).toBeUndefined();
      expect(await store.getTuple({ threadId: "t", checkpointNs: "other" })).toBeUndefined();
    });

    it("put then getTuple round-trips checkpoint, metadata and parent exactly", async () => {
      const parent = newCheckpointId(-1);
      const id = newCheckpointId(0, [parent]);
      const cp = checkpoint(id, { ...TRICKY_VALUES, __start__: { x: 1 }, "branch:to:a": null });
      const md = meta("loop", 0, { run_id: "r1", graph_id: "g", flag: true, n: 3.5, nothing: null });
      await store.put({
        threadId: "t",
        checkpointNs: "",
        checkpoint: checkpoint(parent),
        metadata: meta("input", -1),
        parentCheckpointId: null,
      });
      const ref = await store.put({
        threadId: "t",
        checkpointNs: "",
        checkpoint: cp,
        metadata: md,
        parentCheckpointId: parent,
      });
      expect(ref).toEqual({ threadId: "t", checkpointNs: "", checkpointId: id });
      const got = await store.getTuple({ threadId: "t", checkpointId: id });
      expect(got).toEqual({
        threadId: "t",
        checkpointNs: "",
        checkpoint: cp,
        metadata: md,
        parentCheckpointId: parent,
        pendingWrites: [],
      });
      expect((await store.getTuple({ threadId: "t", checkpointId: parent }))?.parentCheckpointId).toBeNull();
    });

    it("the head is the greatest id, whatever the insertion order", async () => {
      const a = newCheckpointId(0);
      const b = newCheckpointId(1);
      const c = newCheckpointId(2);
      for (const id of [b, c, a]) {
        await store.put({
          threadId: "t",
          checkpointNs: "",
          checkpoint: checkpoint(id),
          metadata: meta("loop", 0),
          parentCheckpointId: null,
        });
      }
      expect((await store.getTuple({ threadId: "t" }))?.checkpoint.id).toBe(c);
    });

    it("namespaces are separate and default to the root namespace", async () => {
      const root = await chain("t", 2);
      const child = await chain("t", 1, "child:1");
      expect((await store.getTuple({ threadId: "t" }))?.checkpoint.id).toBe(root[1]);
      expect((await store.getTuple({ threadId: "t", checkpointNs: "child:1" }))?.checkpoint.id).toBe(
        child[0],
      );
      expect((await store.list({ threadId: "t" })).map((t) => t.checkpoint.id)).toEqual([...root].reverse());
      expect(
        (await store.list({ threadId: "t", checkpointNs: "child:1" })).map((t) => t.checkpointNs),
      ).toEqual(["child:1"]);
    });

    it("put with an existing id throws CheckpointConflictError and changes nothing", async () => {
      const id = newCheckpointId(0);
      await store.put({
        threadId: "t",
        checkpointNs: "",
        checkpoint: checkpoint(id, { a: 1 }),
        metadata: meta("loop", 0),
        parentCheckpointId: null,
      });
      const again = store.put({
        threadId: "t",
        checkpointNs: "",
        checkpoint: checkpoint(id, { a: 2 }),
        metadata: meta("update", 9),
        parentCheckpointId: null,
      });
      await expect(again).rejects.toBeInstanceOf(CheckpointConflictError);
      const got = await store.getTuple({ threadId: "t", checkpointId: id });
      expect(got?.checkpoint.channelValues).toEqual({ a: 1 });
      expect(got?.metadata.step).toBe(0);
      const other = await store.put({
        threadId: "t2",
        checkpointNs: "",
        checkpoint: checkpoint(id),
        metadata: meta("loop", 0),
        parentCheckpointId: null,
      });
      expect(other.threadId).toBe("t2");
    });

    it("pending writes come back ordered by (taskPath, taskId, idx) and only on their checkpoint", async () => {
      const [first, second] = await chain("t", 2);
      const ref = { threadId: "t", checkpointNs: "", checkpointId: first as string };
      const w = [
        write("bbbb", "__pregel_pull~b", 1, "y", 2),
        write("aaaa", "__pregel_push~0000000002", 0, "x", { deep: TRICKY_VALUES }),
        write("bbbb", "__pregel_pull~b", 0, "x", 1),
        write("00000000-0000-0000-0000-000000000000", "", 0, "x", "null task"),
        write("cccc", "__pregel_pull~a", -3, "__interrupt__", [{ id: "i", value: null }]),
        write("dddd", "__pregel_push~0000000010", 0, "x", 3),
      ];
      await store.putWrites(ref, w.slice(0, 3));
      await store.putWrites(ref, w.slice(3));
      const got = await store.getTuple({ threadId: "t", checkpointId: first });
      expect(got?.pendingWrites).toEqual([w[3], w[4], w[2], w[0], w[1], w[5]]);
      expect((await store.getTuple({ threadId: "t", checkpointId: second }))?.pendingWrites).toEqual([]);
    });

    it("putWrites keeps the first regular write per (task, idx) and overwrites special ones", async () => {
      const [id] = await chain("t", 1);
      const ref = { threadId: "t", checkpointNs: "", checkpointId: id as string };
      await store.putWrites(ref, [
        write("t1", "p", 0, "x", "first"),
        write("t1", "p", -3, "__interrupt__", "first"),
      ]);
      await store.putWrites(ref, [
        write("t1", "p", 0, "x", "second"),
        write("t1", "p", -3, "__interrupt__", "second"),
      ]);
      await store.putWrites(ref, [
        write("t1", "p", 1, "y", "other idx"),
        write("t2", "p", 0, "x", "other task"),
      ]);
      const got = (await store.getTuple({ threadId: "t" }))?.pendingWrites.map((x) => [
        x.taskId,
        x.idx,
        x.value,
      ]);
      expect(got).toEqual([
        ["t1", -3, "second"],
        ["t1", 0, "first"],
        ["t1", 1, "other idx"],
        ["t2", 0, "other task"],
      ]);
    });

    it("put stores parentWrites against the parent in the same call", async () => {
      const [parent] = await chain("t", 1);
      const id = newCheckpointId(0, [parent]);
      const writes = [
        write("task", "__pregel_pull~a", 0, "x", 1),
        write("task", "__pregel_pull~a", 1, "branch:to:b", null),
      ];
      await store.put({
        threadId: "t",
        checkpointNs: "",
        checkpoint: checkpoint(id),
        metadata: meta("loop", 0),
        parentCheckpointId: parent as string,
        parentWrites: writes,
      });
      expect((await store.getTuple({ threadId: "t", checkpointId: parent }))?.pendingWrites).toEqual(writes);
      expect((await store.getTuple({ threadId: "t" }))?.pendingWrites).toEqual([]);
    });

    it("parentWrites follow the putWrites rules: a regular write already saved is kept, a special one replaced", async () => {
      const [parent] = await chain("t", 1);
      const ref = { threadId: "t", checkpointNs: "", checkpointId: parent as string };
      await store.putWrites(ref, [
        write("task", "p", 0, "x", "first"),
        write("task", "p", -3, "__interrupt__", "first"),
      ]);
      await store.put({
        threadId: "t",
        checkpointNs: "",
        checkpoint: checkpoint(newCheckpointId(0, [parent])),
        metadata: meta("loop", 0),
        parentCheckpointId: parent as string,
        parentWrites: [
          write("task", "p", 0, "x", "second"),
          write("task", "p", -3, "__interrupt__", "second"),
        ],
      });
      const got = (await store.getTuple({ threadId: "t", checkpointId: parent }))?.pendingWrites.map(
        (w) => w.value,
      );
      expect(got).toEqual(["second", "first"]);
    });

    it("writes and checkpoints of different threads never mix, even with the same checkpoint id", async () => {
      const id = newCheckpointId(0);
      for (const threadId of ["t1", "t2"]) {
        await store.put({
          threadId,
          checkpointNs: "",
          checkpoint: checkpoint(id, { owner: threadId }),
          metadata: meta("loop", 0),
          parentCheckpointId: null,
        });
      }
      await store.putWrites({ threadId: "t1", checkpointNs: "", checkpointId: id }, [
        write("k", "p", 0, "x", "t1 only"),
      ]);
      const t1 = await store.getTuple({ threadId: "t1", checkpointId: id });
      const t2 = await store.getTuple({ threadId: "t2", checkpointId: id });
      expect(t1?.checkpoint.channelValues.owner).toBe("t1");
      expect(t2?.checkpoint.channelValues.owner).toBe("t2");
      expect(t1?.pendingWrites.length).toBe(1);
      expect(t2?.pendingWrites).toEqual([]);
      await store.deleteThread("t1");
      expect(
        (await store.getTuple({ threadId: "t2", checkpointId: id }))?.checkpoint.channelValues.owner,
      ).toBe("t2");
    });

    it("list is newest first across branches, with limit and before (exclusive)", async () => {
      const [a, b] = await chain("t", 2);
      const fork = newCheckpointId(1, [b]);
      await store.put({
        threadId: "t",
        checkpointNs: "",
        checkpoint: checkpoint(fork),
        metadata: meta("fork", 1),
        parentCheckpointId: a as string,
      });
      const c = newCheckpointId(2, [fork]);
      await store.put({
        threadId: "t",
        checkpointNs: "",
        checkpoint: checkpoint(c),
        metadata: meta("loop", 2),
        parentCheckpointId: b as string,
      });
      const ids = (await store.list({ threadId: "t" })).map((t) => t.checkpoint.id);
      expect(ids).toEqual([c, fork, b, a]);
      expect((await store.list({ threadId: "t", limit: 2 })).map((t) => t.checkpoint.id)).toEqual([c, fork]);
      expect((await store.list({ threadId: "t", before: fork })).map((t) => t.checkpoint.id)).toEqual([b, a]);
      expect(
        (await store.list({ threadId: "t", before: fork, limit: 1 })).map((t) => t.checkpoint.id),
      ).toEqual([b]);
      expect(await store.list({ threadId: "t", before: a })).toEqual([]);
      expect(await store.list({ threadId: "unknown" })).toEqual([]);
      expect((await store.list({ threadId: "t", limit: 0 })).length).toBe(0);
    });

    it("list returns each checkpoint's pending writes and parent", async () => {
      const [a, b] = await chain("t", 2);
      await store.putWrites({ threadId: "t", checkpointNs: "", checkpointId: a as string }, [
        write("k", "p", 0, "x", 1),
      ]);
      const [tb, ta] = await store.list({ threadId: "t" });
      expect(tb?.parentCheckpointId).toBe(a);
      expect(tb?.checkpoint.id).toBe(b);
      expect(ta?.pendingWrites).toEqual([write("k", "p", 0, "x", 1)]);
    });

    it("list filters by exact equality on each metadata key (AND), values are data", async () => {
      const ids: string[] = [];
      const specs: Array<[CheckpointMetadata["source"], number, Record<string, JsonValue>]> = [
        ["input", -1, { run_id: "r1" }],
        ["loop", 0, { run_id: "r1" }],
        ["update", 1, { run_id: "r2", user: "u" }],
        ["loop", 1, { run_id: "r2" }],
      ];
      for (const [source, step, extra] of specs) {
        const id = newCheckpointId(step, ids);
        await store.put({
          threadId: "t",
          checkpointNs: "",
          checkpoint: checkpoint(id),
          metadata: meta(source, step, extra),
          parentCheckpointId: ids[ids.length - 1] ?? null,
        });
        ids.push(id);
      }
      const sel = async (metadata: Record<string, JsonValue>, limit?: number) =>
        (await store.list({ threadId: "t", metadata, ...(limit ? { limit } : {}) })).map((t) =>
          ids.indexOf(t.checkpoint.id),
        );
      expect(await sel({ source: "loop" })).toEqual([3, 1]);
      expect(await sel({ step: 1 })).toEqual([3, 2]);
      expect(await sel({ source: "loop", run_id: "r2" })).toEqual([3]);
      expect(await sel({ source: "update", user: "u" })).toEqual([2]);
      expect(await sel({ parents: {} })).toEqual([3, 2, 1, 0]);
      expect(await sel({})).toEqual([3, 2, 1, 0]);
      expect(await sel({ source: "loop" }, 1)).toEqual([3]);
      expect(await sel({ step: "1" })).toEqual([]);
      expect(await sel({ source: { $ne: "x" } })).toEqual([]);
      expect(await sel({ missing: "x" })).toEqual([]);
    });

    it("deleteThread removes every checkpoint and write of the thread, in every namespace, and nothing else", async () => {
      const [a] = await chain("t", 2);
      await chain("t", 1, "child:1");
      const [other] = await chain("keep", 1);
      await store.putWrites({ threadId: "t", checkpointNs: "", checkpointId: a as string }, [
        write("k", "p", 0, "x", 1),
      ]);
      await store.deleteThread("t");
      expect(await store.getTuple({ threadId: "t" })).toBeUndefined();
      expect(await store.getTuple({ threadId: "t", checkpointNs: "child:1" })).toBeUndefined();
      expect(await store.list({ threadId: "t" })).toEqual([]);
      expect((await store.getTuple({ threadId: "keep" }))?.checkpoint.id).toBe(other);
      await store.deleteThread("never-existed");
      // The thread can be reused after deletion.
      const again = await chain("t", 1);
      expect((await store.getTuple({ threadId: "t" }))?.checkpoint.id).toBe(again[0]);
      expect((await store.getTuple({ threadId: "t" }))?.pendingWrites).toEqual([]);
    });

    describe("writeBatch (docs/semantics.md §1.16)", () => {
      function putOf(
        threadId: string,
        id: string,
        parent: string | null,
        extra: Partial<PutCheckpointInput> = {},
      ) {
        return {
          kind: "put",
          input: {
            threadId,
            checkpointNs: "",
            checkpoint: checkpoint(id, { id }),
            metadata: meta(parent === null ? "input" : "loop", 0),
            parentCheckpointId: parent,
            ...extra,
          },
        } as const satisfies StoreWrite;
      }
      function writesOf(threadId: string, checkpointId: string, writes: PendingWrite[]): StoreWrite {
        return { kind: "putWrites", ref: { threadId, checkpointNs: "", checkpointId }, writes };
      }
      async function batch(writes: readonly StoreWrite[]): Promise<void> {
        if (!store.writeBatch) throw new Error("this store has no writeBatch");
        await store.writeBatch(writes);
      }
      const ids = (n: number): string[] => {
        const out: string[] = [];
        for (let i = 0; i < n; i++) out.push(newCheckpointId(i, out));
        return out;
      };

      it("stores puts and putWrites in order, each as its own call would", async () => {
        const [a, b, c] = ids(3) as [string, string, string];
        await batch([]);
        await batch([
          putOf("t", a, null),
          writesOf("t", a, [write("k", "p", 0, "x", "on a")]),
          putOf("t", b, a, { parentWrites: [write("last", "q", 0, "y", "parent write")] }),
          writesOf("t", b, [write("k", "p", 0, "x", "on b")]),
          putOf("t", c, b),
          { ...putOf("t", a, null), input: { ...putOf("t", a, null).input, checkpointNs: "child:1" } },
        ]);
        expect(
          (await store.list({ threadId: "t" })).map((x) => [x.checkpoint.id, x.parentCheckpointId]),
        ).toEqual([
          [c, b],
          [b, a],
          [a, null],
        ]);
        expect((await store.getTuple({ threadId: "t", checkpointId: a }))?.pendingWrites).toEqual([
          write("k", "p", 0, "x", "on a"),
          write("last", "q", 0, "y", "parent write"),
        ]);
        expect((await store.getTuple({ threadId: "t", checkpointId: b }))?.pendingWrites).toEqual([
          write("k", "p", 0, "x", "on b"),
        ]);
        expect((await store.getTuple({ threadId: "t", checkpointId: c }))?.checkpoint.channelValues).toEqual({
          id: c,
        });
        expect((await store.getTuple({ threadId: "t", checkpointNs: "child:1" }))?.checkpoint.id).toBe(a);
      });

      it("applies the putWrites retry rules in batch order: the first regular write stays, the last special one wins", async () => {
        const [a, b] = ids(2) as [string, string];
        await store.put(putOf("t", a, null).input);
        await batch([
          writesOf("t", a, [
            write("t1", "p", 0, "x", "first"),
            write("t1", "p", -3, "__interrupt__", "first"),
          ]),
          writesOf("t", a, [
            write("t1", "p", 0, "x", "second"),
            write("t1", "p", -3, "__interrupt__", "second"),
          ]),
          putOf("t", b, a, {
            parentWrites: [write("t1", "p", 0, "x", "third"), write("t1", "p", -3, "__interrupt__", "third")],
          }),
          writesOf("t", a, [write("t1", "p", 1, "y", "other idx")]),
        ]);
        const got = (await store.getTuple({ threadId: "t", checkpointId: a }))?.pendingWrites.map((w) => [
          w.idx,
          w.value,
        ]);
        expect(got).toEqual([
          [-3, "third"],
          [0, "first"],
          [1, "other idx"],
        ]);
      });

      it("stops at the first failure: earlier writes stay, later ones are not applied, the conflict names its checkpoint", async () => {
        const [taken, a, b] = ids(3) as [string, string, string];
        await store.put(putOf("t", taken, null, { checkpoint: checkpoint(taken, { original: true }) }).input);
        const error = await batch([
          putOf("t", a, null),
          writesOf("t", a, [write("k", "p", 0, "x", "kept")]),
          putOf("t", taken, null, { checkpoint: checkpoint(taken, { original: false }) }),
          putOf("t", b, a, { parentWrites: [write("late", "p", 0, "x", "never")] }),
          writesOf("t", a, [write("late2", "p", 0, "x", "never")]),
        ]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CheckpointConflictError);
        expect((error as CheckpointConflictError).ref).toEqual({
          threadId: "t",
          checkpointNs: "",
          checkpointId: taken,
        });
        expect((await store.list({ threadId: "t" })).map((x) => x.checkpoint.id)).toEqual(
          [a, taken].sort().reverse(),
        );
        expect(
          (await store.getTuple({ threadId: "t", checkpointId: taken }))?.checkpoint.channelValues,
        ).toEqual({
          original: true,
        });
        expect((await store.getTuple({ threadId: "t", checkpointId: a }))?.pendingWrites).toEqual([
          write("k", "p", 0, "x", "kept"),
        ]);
      });
    });

    it("returned tuples are copies: mutating them does not change the store", async () => {
      const [id] = await chain("t", 1);
      await store.putWrites({ threadId: "t", checkpointNs: "", checkpointId: id as string }, [
        write("k", "p", 0, "x", { a: 1 }),
      ]);
      const got = await store.getTuple({ threadId: "t" });
      if (!got) throw new Error("missing");
      got.checkpoint.channelValues.step = 99;
      got.metadata.step = 99;
      (got.pendingWrites[0] as PendingWrite).value = "changed";
      const again = await store.getTuple({ threadId: "t" });
      expect(again?.checkpoint.channelValues.step).toBe(0);
      expect(again?.metadata.step).toBe(-1);
      expect(again?.pendingWrites[0]?.value).toEqual({ a: 1 });
    });
  });
}
