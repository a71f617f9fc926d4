/**
 * `LoomCheckpointSaver` with `cacheHead` (what a run's saver uses): reading the head it wrote answers what the store
 * holds (the checkpoint, the writes stored against it since with the store's overwrite rules and order), without
 * asking the store; an older checkpoint or another thread is read from the store; after a failed write every read
 * goes to the store.
 */
import { AIMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { type Checkpoint, emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { expect, it } from "vitest";
import type { CheckpointQuery, CheckpointStore } from "../../src/engine/index.js";
import { LoomCheckpointSaver } from "../../src/host/langgraphjs/saver.js";
import { MemoryStore } from "../../src/store/memory.js";

/** A MemoryStore counting `getTuple` calls, and refusing writes once `refuse` is set. */
function countingStore(): { store: CheckpointStore; reads: () => number; refuse: () => void } {
  const inner = new MemoryStore();
  let reads = 0;
  let refusing = false;
  const store: CheckpointStore = {
    getTuple: (q: CheckpointQuery) => {
      reads++;
      return inner.getTuple(q);
    },
    list: (q) => inner.list(q),
    put: async (input) => {
      if (refusing) throw new Error("refused");
      return inner.put(input);
    },
    putWrites: async (ref, writes) => {
      if (refusing) throw new Error("refused");
      return inner.putWrites(ref, writes);
    },
    deleteThread: (t) => inner.deleteThread(t),
  };
  return { store, reads: () => reads, refuse: () => (refusing = true) };
}

const checkpointWith = (messages: unknown[]): Checkpoint => ({
  ...emptyCheckpoint(),
  id: uuid6(-1),
  channel_values: { messages },
  channel_versions: { messages: 1 },
});

async function fill(saver: LoomCheckpointSaver): Promise<{ first: RunnableConfig; head: RunnableConfig }> {
  const root = { configurable: { thread_id: "t", checkpoint_ns: "" } };
  const first = await saver.put(root, checkpointWith(["a"]), { source: "input", step: -1, parents: {} }, {});
  const head = await saver.put(
    first,
    checkpointWith(["a", new AIMessage("b")]),
    { source: "loop", step: 0, parents: {} },
    {},
  );
  await saver.putWrites(head, [["messages", "first"]], "task-b");
  await saver.putWrites(head, [["messages", "second"]], "task-b"); // a regular write is kept as first saved
  await saver.putWrites(head, [["__error__", { message: "one" }]], "task-a");
  await saver.putWrites(head, [["__error__", { message: "two" }]], "task-a"); // a special write overwrites
  await saver.flush();
  return { first, head };
}

it("answers the head it wrote as the store does, without reading it", async () => {
  const { store, reads } = countingStore();
  const saver = new LoomCheckpointSaver(store, { cacheHead: true, durability: "async" });
  const { first, head } = await fill(saver);
  const fromStore = await new LoomCheckpointSaver(store).getTuple({ configurable: { thread_id: "t" } });
  const before = reads();
  expect(await saver.getTuple({ configurable: { thread_id: "t" } })).toEqual(fromStore);
  expect(await saver.getTuple(head)).toEqual(fromStore);
  expect(reads()).toBe(before);
  expect(fromStore?.pendingWrites).toEqual([
    ["task-a", "__error__", { message: "two" }],
    ["task-b", "messages", "first"],
  ]);
  expect(fromStore?.checkpoint.channel_values.messages).toEqual(["a", new AIMessage("b")]);
  // An older checkpoint, another thread: the store.
  expect((await saver.getTuple(first))?.checkpoint.id).toBe(first.configurable?.checkpoint_id);
  expect(await saver.getTuple({ configurable: { thread_id: "other" } })).toBeUndefined();
  expect(reads()).toBe(before + 2);
});

it("reads the store once a write failed, and never without cacheHead", async () => {
  const { store, reads, refuse } = countingStore();
  const saver = new LoomCheckpointSaver(store, { cacheHead: true });
  const { head } = await fill(saver);
  refuse();
  await expect(saver.putWrites(head, [["messages", "x"]], "task-c")).rejects.toThrow("refused");
  const before = reads();
  await saver.getTuple({ configurable: { thread_id: "t" } });
  expect(reads()).toBe(before + 1);

  const plain = countingStore();
  const uncached = new LoomCheckpointSaver(plain.store);
  await fill(uncached);
  const n = plain.reads();
  await uncached.getTuple({ configurable: { thread_id: "t" } });
  expect(plain.reads()).toBe(n + 1);
});
