/**
 * A CheckpointStore that runs `before` once, just ahead of its first write. A state update marks the thread as
 * written (`ThreadStore.beginCheckpointWrite`, the counter a run's start reads) only when it really writes: the
 * engine validates the whole update before its first write (docs/semantics.md §5.7), so a refused update leaves
 * the thread document exactly as it was.
 */
import type { CheckpointStore } from "../../engine/index.js";

/**
 * Wraps `store`; reads pass through, and `put`, `putWrites`, `writeBatch` and `deleteThread` wait for
 * `before()` (called once, on the first of them). A rejection of `before` fails that write and every later one.
 */
export function fenceFirstWrite(store: CheckpointStore, before: () => Promise<void>): CheckpointStore {
  let fence: Promise<void> | undefined;
  const ready = () => {
    fence ??= before();
    return fence;
  };
  const { writeBatch } = store;
  return {
    getTuple: (query) => store.getTuple(query),
    list: (query) => store.list(query),
    put: async (input) => {
      await ready();
      return store.put(input);
    },
    putWrites: async (ref, writes) => {
      await ready();
      return store.putWrites(ref, writes);
    },
    ...(writeBatch
      ? {
          writeBatch: async (writes) => {
            await ready();
            return writeBatch.call(store, writes);
          },
        }
      : {}),
    deleteThread: async (threadId) => {
      await ready();
      return store.deleteThread(threadId);
    },
  };
}
