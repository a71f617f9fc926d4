/**
 * The first run on a thread that provably has no checkpoint (`Enqueued.threadHasNoCheckpoint`: no run was ever
 * created on it and nothing else wrote to it) need not ask MongoDB for the head: one round trip less for every
 * "create a thread, run it" — the commonest request pair.
 */
import type { CheckpointStore } from "../engine/index.js";

/**
 * `store` with its first read of the root head of `threadId` (a `getTuple` without `checkpointId` in namespace
 * `""`) answered "no checkpoint" without a round trip; every other call, and every later head read, goes to
 * `store` (writes, including `writeBatch`, are `store`'s own).
 */
export function skipFirstHeadRead(store: CheckpointStore, threadId: string): CheckpointStore {
  let skipped = false;
  return {
    ...store,
    getTuple: (query) => {
      const headOfRoot =
        query.threadId === threadId && query.checkpointId === undefined && (query.checkpointNs ?? "") === "";
      if (!skipped && headOfRoot) {
        skipped = true;
        return Promise.resolve(undefined);
      }
      return store.getTuple(query);
    },
  };
}
