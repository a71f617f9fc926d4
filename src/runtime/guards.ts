/**
 * Guards of a run's writes: checkpoint writes refused once the lease is lost, and retries of the write that
 * ends a run.
 */
import type { CheckpointStore, PendingWrite } from "../engine/index.js";
import type { WriteRef } from "./queue-store.js";

/** Thrown by a checkpoint write of a worker that lost its lease. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

/**
 * The checkpoint store as seen by one run: once the lease is known lost, writes are refused (the new owner
 * writes from then on), which narrows the window in which two workers could both write to the thread.
 */
export function fencedCheckpoints(
  store: CheckpointStore,
  lost: () => boolean,
  /** Hears every pending write stored (for a later rollback). */
  onWrites?: (refs: WriteRef[]) => void,
): CheckpointStore {
  const guard = () => {
    if (lost()) throw new LeaseLostError("this worker lost the run's lease");
  };
  const record = (
    checkpointNs: string,
    checkpointId: string,
    writes: readonly PendingWrite[] | undefined,
  ) => {
    if (onWrites && writes && writes.length > 0) {
      onWrites(writes.map((w) => ({ checkpointNs, checkpointId, taskId: w.taskId, idx: w.idx })));
    }
  };
  return {
    getTuple: (query) => store.getTuple(query),
    list: (query) => store.list(query),
    put: async (input) => {
      guard();
      const ref = await store.put(input);
      if (input.parentCheckpointId !== null)
        record(input.checkpointNs, input.parentCheckpointId, input.parentWrites);
      return ref;
    },
    putWrites: async (ref, writes) => {
      guard();
      await store.putWrites(ref, writes);
      record(ref.checkpointNs, ref.checkpointId, writes);
    },
    deleteThread: (threadId) => store.deleteThread(threadId),
  };
}

const FINISH_ATTEMPTS = 6;

/**
 * Retries a store call that ends a run (e.g. while `mongod` restarts): 6 attempts, 100 ms doubling. A run whose
 * end still cannot be written stays `running`; its lease lapses and another worker ends it (it resumes from the
 * head, where nothing is left to run).
 */
export async function retry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= FINISH_ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
