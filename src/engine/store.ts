/**
 * Storage interfaces owned by the engine. `MemoryStore` and the MongoDB store implement them; one contract
 * suite (test/contract) runs against both. Narrow and async on purpose: the engine needs nothing else.
 */
import type {
  Checkpoint,
  CheckpointMetadata,
  CheckpointRef,
  CheckpointTuple,
  JsonValue,
  PendingWrite,
} from "./checkpoint.js";

/** Selects a checkpoint: the head of `(threadId, checkpointNs)` when `checkpointId` is absent. */
export interface CheckpointQuery {
  threadId: string;
  /** Defaults to `""` (root graph). */
  checkpointNs?: string;
  checkpointId?: string;
}

/** History query (docs/semantics.md §6). */
export interface HistoryQuery {
  threadId: string;
  /** Defaults to `""`. */
  checkpointNs?: string;
  /** At most this many checkpoints; absent means all. */
  limit?: number;
  /** Only checkpoints whose id is strictly less than this id (docs/semantics.md §6.2). */
  before?: string;
  /** Exact equality on each given top-level metadata key, AND-ed (docs/semantics.md §6.2). Values are data, never operators. */
  metadata?: Record<string, JsonValue>;
}

/** What `put` stores. */
export interface PutCheckpointInput {
  threadId: string;
  checkpointNs: string;
  checkpoint: Checkpoint;
  metadata: CheckpointMetadata;
  parentCheckpointId: string | null;
  /**
   * Writes to store against the *parent* checkpoint in the same call, before the new checkpoint becomes
   * visible (typically the writes of the step's last task). Lets a store save a super-step in one round trip.
   * Same rules as `putWrites`.
   */
  parentWrites?: PendingWrite[];
}

/**
 * One store write, as a value (so a batch of them can travel in one round trip, `CheckpointStore.writeBatch`):
 * - `{kind: "put", input}`: the same as `put(input)`;
 * - `{kind: "putWrites", ref, writes}`: the same as `putWrites(ref, writes)`.
 */
export type StoreWrite =
  | { readonly kind: "put"; readonly input: PutCheckpointInput }
  | { readonly kind: "putWrites"; readonly ref: CheckpointRef; readonly writes: PendingWrite[] };

/**
 * Checkpoints and their pending writes.
 *
 * Ordering contract: ids are compared as strings; the head is the greatest id in `(threadId, checkpointNs)`.
 */
export interface CheckpointStore {
  /**
   * One checkpoint with its pending writes (ordered by `(taskPath, taskId, idx)`), or `undefined` when the
   * thread has no checkpoint or the id is unknown.
   */
  getTuple(query: CheckpointQuery): Promise<CheckpointTuple | undefined>;

  /** Checkpoints newest first (by id descending), across all branches, each with its pending writes (docs/semantics.md §6). */
  list(query: HistoryQuery): Promise<CheckpointTuple[]>;

  /**
   * Stores a new checkpoint. Throws `CheckpointConflictError` if `(threadId, checkpointNs, checkpoint.id)`
   * already exists; nothing is written then.
   */
  put(input: PutCheckpointInput): Promise<CheckpointRef>;

  /**
   * Stores pending writes against an existing checkpoint (docs/semantics.md §1.13, §9): for the same
   * `(taskId, idx)`, a special write (negative idx) overwrites the stored one, any other write is kept
   * as first saved (idempotent on retry).
   */
  putWrites(ref: CheckpointRef, writes: PendingWrite[]): Promise<void>;

  /**
   * Optional: stores `writes` in order, in as few round trips as the store can (the MongoDB store: one command, an
   * `insert` when every write targets a checkpoint of the batch). Used by the `async` write queue for a batch of more than one write (docs/semantics.md §1.16); without
   * it the engine calls `put`/`putWrites` one by one.
   *
   * Same effect as `for (const w of writes) await (w.kind === "put" ? put(w.input) : putWrites(w.ref, w.writes))`:
   * same order, same retry rules for pending writes, same errors (`CheckpointConflictError` naming the put whose id
   * is taken, and each store's own errors, e.g. MongoDB's `CheckpointOrderError`, `DocumentTooLargeError`,
   * `CheckpointNotFoundError` for `putWrites` to a missing checkpoint). It stops at the first failing write and
   * rejects with that write's error: the writes before it stay written, the failing one writes what its own call
   * would have written (nothing for a refused `put`), the ones after it are not attempted. An empty batch writes
   * nothing. On a transport failure (no answer), a prefix of the batch may have been written, as with one call.
   * A wrapper that changes `put`/`putWrites` must wrap this too (or leave it out), or batches bypass it.
   */
  writeBatch?(writes: readonly StoreWrite[]): Promise<void>;

  /** Removes every checkpoint and write of the thread, in every namespace. */
  deleteThread(threadId: string): Promise<void>;
}

/** Thrown by `CheckpointStore.put` when the checkpoint id is already taken in that thread and namespace. */
export class CheckpointConflictError extends Error {
  override readonly name = "CheckpointConflictError";
  constructor(readonly ref: CheckpointRef) {
    super(`checkpoint ${ref.checkpointId} already exists in thread ${ref.threadId}`);
  }
}
