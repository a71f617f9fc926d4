/**
 * `markCommandWrites` (src/runtime/command-mark.ts): the run marker goes with every putWrites of Command
 * (null-task) writes, alone or inside a `writeBatch`; a store without `writeBatch` gets none.
 */
import { describe, expect, it } from "vitest";
import { type CheckpointStore, NULL_TASK_ID, type StoreWrite } from "../../src/engine/index.js";
import { commandMarkTaskId, markCommandWrites } from "../../src/runtime/command-mark.js";
import { MemoryStore } from "../../src/store/memory.js";
import { checkpointInput, write } from "../store/mongo-fixtures.js";

/** The MemoryStore's methods as a plain object (as the runtime's wrappers are). */
function plainStore(store: MemoryStore, batch: boolean): CheckpointStore {
  return {
    getTuple: (q) => store.getTuple(q),
    list: (q) => store.list(q),
    put: (i) => store.put(i),
    putWrites: (r, w) => store.putWrites(r, w),
    deleteThread: (t) => store.deleteThread(t),
    ...(batch ? { writeBatch: (w: readonly StoreWrite[]) => store.writeBatch(w) } : {}),
  };
}

describe("markCommandWrites", () => {
  it("adds the marker to null-task putWrites inside a writeBatch, and only to those", async () => {
    const memory = new MemoryStore();
    const marked = markCommandWrites(plainStore(memory, true), "run-1");
    const base = checkpointInput("t");
    const child = checkpointInput("t", { parent: base.checkpoint.id });
    const ref = (id: string) => ({ threadId: "t", checkpointNs: "", checkpointId: id });
    await marked.writeBatch?.([
      { kind: "put", input: base },
      { kind: "putWrites", ref: ref(base.checkpoint.id), writes: [write(NULL_TASK_ID, 0, "x", 1, "")] },
      { kind: "put", input: child },
      { kind: "putWrites", ref: ref(child.checkpoint.id), writes: [write("task", 0, "x", 2)] },
    ]);
    const taskIds = async (id: string) =>
      (await memory.getTuple({ threadId: "t", checkpointId: id }))?.pendingWrites.map((w) => w.taskId);
    expect(await taskIds(base.checkpoint.id)).toEqual([NULL_TASK_ID, commandMarkTaskId("run-1")]);
    expect(await taskIds(child.checkpoint.id)).toEqual(["task"]);
  });

  it("has no writeBatch when the store has none", () => {
    expect(markCommandWrites(plainStore(new MemoryStore(), false), "run-1").writeBatch).toBeUndefined();
  });
});
