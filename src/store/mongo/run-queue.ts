/**
 * `RunQueueStore` on MongoDB (documents of `runs.ts` and `threads.ts`), assembled from one file per concern:
 *
 * - `run-queue-enqueue.ts`: creation with the multitask strategy, in one transaction on the thread.
 * - `run-queue-lease.ts`: claims (pending, expired, orphaned), renew and release, fenced on the lease.
 * - `run-queue-finish.ts`: the end of a run and its thread's state; `watch`.
 * - `run-queue-cancel.ts`: cancellation requests and the removal of a rolled-back run's checkpoints.
 * - `run-queue-reads.ts`: statuses, output and the pending count.
 * - `run-queue-shared.ts`: the collections, the lease fence and the duplicate-key test they share.
 */
import type { RunQueueStore } from "../queue-store.js";
import { mongoRunCancel } from "./run-queue-cancel.js";
import { mongoEnqueue } from "./run-queue-enqueue.js";
import { mongoRunFinish } from "./run-queue-finish.js";
import { mongoRunLeases } from "./run-queue-lease.js";
import { mongoRunReads } from "./run-queue-reads.js";
import type { RunQueueCollections } from "./run-queue-shared.js";

/** Creates the queue store. `client` starts the transactions. */
export function createMongoRunQueueStore(options: RunQueueCollections): RunQueueStore {
  return {
    ...mongoEnqueue(options),
    ...mongoRunLeases(options),
    ...mongoRunFinish(options),
    ...mongoRunCancel(options),
    ...mongoRunReads(options),
  };
}
