/**
 * Write guards of a run (`src/runtime/guards.ts`): once the worker knows it lost the lease, its checkpoint writes
 * are refused (reads still pass), and so are they after a `put` lost a race (`conflicted()`).
 */
import { describe, expect, it } from "vitest";
import { CheckpointConflictError, type CheckpointStore } from "../../src/engine/index.js";
import { fencedCheckpoints, LeaseLostError } from "../../src/runtime/guards.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { WriteRef } from "../../src/store/queue-store.js";
import { checkpointInput, write } from "../store/mongo-fixtures.js";

describe("fencedCheckpoints", () => {
  it("passes writes while the lease is held and refuses them once it is lost", async () => {
    const store = new MemoryStore();
    let lost = false;
    const fenced = fencedCheckpoints(store, () => lost);
    const first = checkpointInput("t");
    await fenced.put(first);
    lost = true;
    await expect(fenced.put(checkpointInput("t", { parent: first.checkpoint.id }))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(
      fenced.putWrites({ threadId: "t", checkpointNs: "", checkpointId: first.checkpoint.id }, []),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect((await fenced.getTuple({ threadId: "t" }))?.checkpoint.id).toBe(first.checkpoint.id);
    expect(await store.list({ threadId: "t" })).toHaveLength(1);
  });

  it("after a put lost a race (CheckpointConflictError), refuses every later write", async () => {
    const store = new MemoryStore();
    const fenced = fencedCheckpoints(store, () => false);
    const first = checkpointInput("t");
    await store.put(first);
    expect(fenced.conflicted()).toBe(false);
    await expect(fenced.put(first)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(fenced.conflicted()).toBe(true);
    await expect(fenced.put(checkpointInput("t", { parent: first.checkpoint.id }))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(
      fenced.putWrites({ threadId: "t", checkpointNs: "", checkpointId: first.checkpoint.id }, []),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.list({ threadId: "t" })).toHaveLength(1);
  });
});

describe("fencedCheckpoints.writeBatch", () => {
  it("passes a batch through in one call, guarded, and hears the pending writes it stored", async () => {
    const store = new MemoryStore();
    const calls: number[] = [];
    const inner: CheckpointStore = {
      getTuple: (q) => store.getTuple(q),
      list: (q) => store.list(q),
      put: (i) => store.put(i),
      putWrites: (r, w) => store.putWrites(r, w),
      deleteThread: (t) => store.deleteThread(t),
      writeBatch: (writes) => {
        calls.push(writes.length);
        return store.writeBatch(writes);
      },
    };
    let lost = false;
    const heard: WriteRef[] = [];
    const fenced = fencedCheckpoints(
      inner,
      () => lost,
      (refs) => heard.push(...refs),
    );
    const a = checkpointInput("t");
    const b = checkpointInput("t", { parent: a.checkpoint.id, parentWrites: [write("p", 0, "x", 1)] });
    const ref = { threadId: "t", checkpointNs: "", checkpointId: b.checkpoint.id };
    await fenced.writeBatch?.([
      { kind: "put", input: a },
      { kind: "put", input: b },
      { kind: "putWrites", ref, writes: [write("w", -3, "__interrupt__", null)] },
    ]);
    expect(calls).toEqual([3]);
    expect(heard).toEqual([
      { checkpointNs: "", checkpointId: a.checkpoint.id, taskId: "p", idx: 0 },
      { checkpointNs: "", checkpointId: b.checkpoint.id, taskId: "w", idx: -3 },
    ]);
    lost = true;
    await expect(fenced.writeBatch?.([{ kind: "put", input: checkpointInput("t") }])).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(calls).toEqual([3]);
  });

  it("a conflict inside a batch sets conflicted() and only the writes before it are heard", async () => {
    const store = new MemoryStore();
    const taken = checkpointInput("t");
    await store.put(taken);
    const heard: WriteRef[] = [];
    const fenced = fencedCheckpoints(
      store,
      () => false,
      (refs) => heard.push(...refs),
    );
    const ref = { threadId: "t", checkpointNs: "", checkpointId: taken.checkpoint.id };
    const error = await fenced
      .writeBatch?.([
        { kind: "putWrites", ref, writes: [write("before", 0, "x", 1)] },
        { kind: "put", input: taken },
        { kind: "putWrites", ref, writes: [write("after", 0, "x", 1)] },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect(fenced.conflicted()).toBe(true);
    expect(heard.map((w) => w.taskId)).toEqual(["before"]);
    await expect(fenced.writeBatch?.([{ kind: "putWrites", ref, writes: [] }])).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it("has no writeBatch when the store has none (the engine then writes one by one, guarded)", () => {
    const store = new MemoryStore();
    const plain: CheckpointStore = {
      getTuple: (q) => store.getTuple(q),
      list: (q) => store.list(q),
      put: (i) => store.put(i),
      putWrites: (r, w) => store.putWrites(r, w),
      deleteThread: (t) => store.deleteThread(t),
    };
    expect(fencedCheckpoints(plain, () => false).writeBatch).toBeUndefined();
    expect(fencedCheckpoints(store, () => false).writeBatch).toBeTypeOf("function");
  });
});
