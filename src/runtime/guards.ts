/**
 * Guards of a run's writes: checkpoint writes refused once the lease is lost or another attempt of the run wrote
 * first (each call run through the execution's outage retry, `outage-retry.ts`).
 */
import {
  CheckpointConflictError,
  CheckpointNotFoundError,
  type CheckpointRef,
  type CheckpointStore,
  type PendingWrite,
  type StoreWrite,
} from "../engine/index.js";
import { LeaseRefusedError } from "../store/errors.js";
import type { WriteRef } from "../store/queue-store.js";

/** Thrown by a checkpoint write of a worker that lost its lease. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

/** The checkpoint store of one run execution, and whether one of its checkpoints lost a race. */
export interface FencedCheckpointStore extends CheckpointStore {
  /**
   * A `put` failed with `CheckpointConflictError`: another attempt of the run (or another writer) wrote that
   * child first — in MongoDB the run fence `one_child_per_run` refuses a second child of one parent per run. Every
   * later write of this execution is refused; the caller re-checks its lease and, if it still holds the run,
   * continues from the new head (docs/runs.md "Leases").
   */
  conflicted(): boolean;
  /**
   * The conflict came on a retry of a write whose first try failed without an answer (a database outage): most
   * likely that first try was stored, so the "other attempt" is this one. The caller continues from the head
   * without counting it as a lost race.
   */
  conflictedOnRetry(): boolean;
}

/**
 * How many writes of `batch` were stored before `writeBatch` failed with `error`: the index of the write the error
 * names (the put of a `CheckpointConflictError`, the putWrites of a `CheckpointNotFoundError`), else 0 (unknown:
 * assume none).
 */
function storedBefore(batch: readonly StoreWrite[], error: unknown): number {
  const index = batch.findIndex((w) =>
    error instanceof CheckpointConflictError
      ? w.kind === "put" &&
        w.input.threadId === error.ref.threadId &&
        w.input.checkpointNs === error.ref.checkpointNs &&
        w.input.checkpoint.id === error.ref.checkpointId
      : error instanceof CheckpointNotFoundError &&
        w.kind === "putWrites" &&
        w.ref.threadId === error.threadId &&
        w.ref.checkpointId === error.checkpointId,
  );
  return Math.max(index, 0);
}

/**
 * The checkpoint store as seen by one run execution: once the lease is known lost, or once a `put` lost a race
 * (`conflicted()`), writes are refused with `LeaseLostError` (the winner writes from then on). The database-side
 * run fence makes the race itself harmless; this stops the loser right after.
 *
 * `writeBatch` (only when `store` has one; else the engine calls `put`/`putWrites` one by one) keeps the same
 * rules: guarded once before the batch is sent; a `CheckpointConflictError` sets `conflicted()`; `onWrites` hears
 * the pending writes of the whole batch, or after a failure those of the writes before the failing one when the
 * error names it (a conflict, a missing checkpoint), none otherwise.
 */
export function fencedCheckpoints(
  store: CheckpointStore,
  lost: () => boolean,
  /** Hears every pending write stored (for a later rollback). */
  onWrites?: (refs: WriteRef[]) => void,
  /**
   * Runs each store call, e.g. retrying it through a database outage while the lease holds (`outage-retry.ts`);
   * the guard is checked again before every retry. Default: once.
   */
  retrying: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
  /**
   * Hears a write the database refused because this execution no longer holds the lease (`LeaseRefusedError` of
   * a `LeaseFence` store): e.g. stops the execution at once. The write then rejects with `LeaseLostError`.
   */
  onRefused?: (error: LeaseRefusedError) => void,
): FencedCheckpointStore {
  let conflict = false;
  let retriedConflict = false;
  /** `fn` through `retrying`, guarded on each try; a conflict on a retry is noted (see `conflictedOnRetry`). */
  const write = <T>(fn: () => Promise<T>): Promise<T> => {
    let tries = 0;
    return retrying(async () => {
      guard();
      tries++;
      try {
        return await fn();
      } catch (error) {
        if (error instanceof LeaseRefusedError) {
          onRefused?.(error);
          throw new LeaseLostError("the database refused the write: this worker no longer holds the lease", {
            cause: error,
          });
        }
        if (error instanceof CheckpointConflictError) {
          conflict = true;
          if (tries > 1) retriedConflict = true;
        }
        throw error;
      }
    });
  };
  const guard = () => {
    if (lost()) throw new LeaseLostError("this worker lost the run's lease");
    if (conflict) throw new LeaseLostError("another attempt of this run wrote the thread first");
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
  const recordWrite = (w: StoreWrite) => {
    if (w.kind === "putWrites") record(w.ref.checkpointNs, w.ref.checkpointId, w.writes);
    else if (w.input.parentCheckpointId !== null)
      record(w.input.checkpointNs, w.input.parentCheckpointId, w.input.parentWrites);
  };
  const writeBatch = async (batch: readonly StoreWrite[]) => {
    try {
      await write(async () => store.writeBatch?.(batch));
    } catch (error) {
      for (const w of batch.slice(0, storedBefore(batch, error))) recordWrite(w);
      throw error;
    }
    for (const w of batch) recordWrite(w);
  };
  return {
    ...(store.writeBatch ? { writeBatch } : {}),
    getTuple: (query) => retrying(() => store.getTuple(query)),
    list: (query) => retrying(() => store.list(query)),
    conflicted: () => conflict,
    conflictedOnRetry: () => retriedConflict,
    put: async (input) => {
      const ref: CheckpointRef = await write(() => store.put(input));
      if (input.parentCheckpointId !== null)
        record(input.checkpointNs, input.parentCheckpointId, input.parentWrites);
      return ref;
    },
    putWrites: async (ref, writes) => {
      await write(() => store.putWrites(ref, writes));
      record(ref.checkpointNs, ref.checkpointId, writes);
    },
    deleteThread: (threadId) => retrying(() => store.deleteThread(threadId)),
  };
}
