/**
 * `writeBatch` of the MongoDB checkpoint store (engine `CheckpointStore.writeBatch`, docs/semantics.md §1.13, §1.16):
 * a batch of puts and putWrites in ONE command, with the pending writes of the checkpoints the batch itself inserts
 * merged into their documents in memory.
 *
 * Planning ({@link planBatch}): the batch is walked in order, keeping the checkpoints it inserts ("fresh"). A put's
 * `parentWrites` whose parent is fresh, and a putWrites whose checkpoint is fresh, are merged into that document
 * under the retry rules of the calls one by one (writes.ts `mergeWrites`: the first regular write of a
 * `(taskId, idx)` stays, the last special one wins). Any other write targets a checkpoint outside the batch. Then:
 * - nothing outside → the fresh documents as ONE ordered `insertMany` (an `insert` command). The common case: a fast
 *   run on a fresh thread is one insert of its 5 checkpoints instead of 9 update statements, and costs mongod about
 *   half the CPU (figures in the commit adding this);
 * - something outside (a resume's putWrites on the thread's head, the first put's parent writes on the head) → ONE
 *   ordered `update` command: per fresh document an upsert that can only insert (its merged writes included), per
 *   outside write its pipeline update (a put's parent writes; a putWrites with its missing-checkpoint probe), in
 *   batch order. Merging leaves fewer statements than writes.
 * The driver splits a command only past its message limit (48 MB) or 100,000 statements.
 *
 * Errors: the same as the calls one by one (`put`, `putWrites` in checkpoints.ts), stopping at the same write:
 * - checks before sending: order (`CheckpointOrderError`), a checkpoint over the limit, writes over the limit on
 *   their own, a fresh document its merged writes would outgrow (`DocumentTooLargeError` naming that checkpoint,
 *   sizes computed after merging). When write `i` fails one, the writes before it are sent, then its error is
 *   thrown. Nothing of write `i` is sent, except for a put whose parent writes would outgrow its fresh parent: the
 *   child is stored and the parent's new writes are not, as `put` does with a stored parent (the error's `outcome`);
 * - the server stops an ordered command at the first failing document/statement, mapped back to its write:
 *   duplicate key on a checkpoint (a taken id, or the run fence `one_child_per_run`, indexes.ts) →
 *   `CheckpointConflictError` naming that checkpoint; too large on an outside parent's writes →
 *   `DocumentTooLargeError` (the child is stored); a putWrites to a missing checkpoint → `CheckpointNotFoundError`,
 *   too large → `DocumentTooLargeError`. The documents/statements before it are stored, the later ones are not.
 *
 * Order and consistency:
 * - Merging stores a step's task writes together with the checkpoint they belong to (the parent), in the same
 *   insert: never later than the calls one by one would, possibly earlier (ahead of the child that follows them).
 * - A crash (no answer) may lose later checkpoints of the batch, never reorder them: what is stored is a prefix of
 *   the command. A stored checkpoint may then hold task writes of a step whose checkpoint was lost: pending writes
 *   on the head, as sync durability stores them before a step's checkpoint (a resume re-runs only the tasks
 *   without writes).
 * - A taken id writes nothing of itself or after it. When the server refuses write `i` (a conflict, a missing
 *   checkpoint, too large), the writes of `i` and after it that were merged into documents stored before it are
 *   taken out again with one more `update` command ({@link undoAfter}) before the error is thrown, so the outcome
 *   is that of the calls one by one. Between the two commands a reader may see those writes; if that command fails too, they
 *   stay (the original error is still the one thrown).
 */
import {
  type AnyBulkWriteOperation,
  BSON,
  type ClientSession,
  type Collection,
  type Document,
  MongoBulkWriteError,
} from "mongodb";
import type { CheckpointRef, PendingWrite } from "../../engine/checkpoint.js";
import { CheckpointNotFoundError } from "../../engine/errors.js";
import { CheckpointConflictError, type PutCheckpointInput, type StoreWrite } from "../../engine/store.js";
import { DocumentTooLargeError } from "../errors.js";
import type { CheckpointDoc, WriteDoc } from "./checkpoint-docs.js";
import {
  checkedWritesUpdate,
  insertStatement,
  isDuplicate,
  isTooLarge,
  keyOf,
  MISSING_CHECKPOINT_CODE,
  parentWritesStatement,
  prepareCheckpoint,
  putWritesStatement,
} from "./checkpoint-statements.js";
import { mergeWrites, replacesStored, storedWrites, type WriteMap } from "./writes.js";

type Statement = AnyBulkWriteOperation<CheckpointDoc>;

/** A checkpoint this batch inserts, with the pending writes merged into it so far. */
interface Fresh {
  readonly kind: "fresh";
  /** Index in the batch of its put. */
  readonly position: number;
  readonly ref: CheckpointRef;
  /** The document; its `writes` are filled from {@link Fresh.writes} when it is sent. */
  readonly doc: CheckpointDoc;
  /** Encoded size of the document with its merged writes. */
  bytes: number;
  /** The merged writes, as they will be stored. */
  readonly writes: WriteMap;
  /** Encoded size of each entry of `writes` (as an element of the `writes` subdocument). */
  readonly entryBytes: Map<string, number>;
  /** Each merge, with the index in the batch of the write it came from (to take a suffix out again). */
  readonly merged: { position: number; writes: WriteMap }[];
}

/** A write to a checkpoint outside the batch: one update statement. */
interface Outside {
  /** `parentWrites`: the parent's writes of the put `child`; `putWrites`: a putWrites. */
  readonly kind: "parentWrites" | "putWrites";
  /** Index in the batch of the write. */
  readonly position: number;
  /** The checkpoint written to. */
  readonly target: CheckpointRef;
  /** The put whose parent writes these are (`parentWrites` only). */
  readonly child?: CheckpointRef;
  readonly statement: Statement;
}

/**
 * The plan of a batch: what to send, in order (one document or statement per item), and the error of the first
 * write refused before sending, if any (the items stop before it; see the module doc for the put whose child is
 * kept).
 */
export interface BatchPlan {
  items: (Fresh | Outside)[];
  refused?: { error: unknown };
}

/** Writes of one call in their stored shape, with the encoded size of each entry. */
interface Incoming {
  writes: WriteMap;
  entryBytes: Map<string, number>;
}

/** The identity of a checkpoint as a map key. */
function refKey(ref: CheckpointRef): string {
  return JSON.stringify([ref.threadId, ref.checkpointNs, ref.checkpointId]);
}

/** Size an entry adds to a document: type byte, key as a C string, the subdocument. */
function entrySize(key: string, doc: WriteDoc): number {
  return 2 + Buffer.byteLength(key, "utf8") + BSON.calculateObjectSize(doc as Document);
}

/**
 * Plans `writes` (see the module doc). Pure: nothing is sent.
 * @param maxBytes largest document accepted
 */
export function planBatch(writes: readonly StoreWrite[], maxBytes: number): BatchPlan {
  const items: (Fresh | Outside)[] = [];
  const fresh = new Map<string, Fresh>();

  /** The writes of one call for `checkpointId`, refused when over the limit on their own. */
  function incoming(pending: readonly PendingWrite[], checkpointId: string): Incoming {
    const stored = storedWrites(pending);
    const entryBytes = new Map<string, number>();
    let total = 5;
    for (const [key, doc] of stored) {
      const size = entrySize(key, doc);
      entryBytes.set(key, size);
      total += size;
    }
    if (total > maxBytes)
      throw new DocumentTooLargeError(`pending writes for checkpoint ${checkpointId}`, total, maxBytes);
    return { writes: stored, entryBytes };
  }

  /** Merges `add` into `target`, or throws `tooLarge(size)` (nothing merged) when the document would outgrow. */
  function merge(target: Fresh, add: Incoming, position: number, tooLarge: (bytes: number) => Error): void {
    let bytes = target.bytes;
    for (const [key, doc] of add.writes) {
      if (replacesStored(target.writes.get(key), doc))
        bytes += (add.entryBytes.get(key) ?? 0) - (target.entryBytes.get(key) ?? 0);
    }
    if (bytes > maxBytes) throw tooLarge(bytes);
    for (const key of mergeWrites(target.writes, add.writes))
      target.entryBytes.set(key, add.entryBytes.get(key) ?? 0);
    target.bytes = bytes;
    target.merged.push({ position, writes: add.writes });
  }

  function put(input: PutCheckpointInput, position: number): void {
    const checkpoint = prepareCheckpoint(input, maxBytes);
    const { ref, parentId } = checkpoint;
    const parentWrites = input.parentWrites ?? [];
    const parentRef = parentId === null ? undefined : { ...ref, checkpointId: parentId };
    const parent = parentRef && fresh.get(refKey(parentRef));
    // Every check that refuses the whole put comes before anything is added.
    let toParent: Incoming | undefined;
    let outside: Outside | undefined;
    if (parentRef && parentWrites.length > 0) {
      if (parent) toParent = incoming(parentWrites, parentRef.checkpointId);
      else {
        const update = checkedWritesUpdate(parentWrites, parentRef.checkpointId, maxBytes);
        if (update) {
          const statement = parentWritesStatement(parentRef, update);
          outside = { kind: "parentWrites", position, target: parentRef, child: ref, statement };
        }
      }
    }
    const child: Fresh = {
      kind: "fresh",
      position,
      ref,
      doc: checkpoint.doc,
      bytes: checkpoint.bytes,
      writes: new Map(),
      entryBytes: new Map(),
      merged: [],
    };
    items.push(child);
    // A second put of a fresh id fails on the unique index when sent; writes keep going to the first one.
    if (!fresh.has(refKey(ref))) fresh.set(refKey(ref), child);
    if (outside) items.push(outside);
    if (parent && toParent) {
      merge(
        parent,
        toParent,
        position,
        (bytes) =>
          new DocumentTooLargeError(
            `checkpoint ${parent.ref.checkpointId} with its pending writes`,
            bytes,
            maxBytes,
            `checkpoint ${ref.checkpointId} was stored, the parent's new writes were not`,
          ),
      );
    }
  }

  function putWrites(ref: CheckpointRef, pending: readonly PendingWrite[], position: number): void {
    const target = fresh.get(refKey(ref));
    if (!target) {
      const update = checkedWritesUpdate(pending, ref.checkpointId, maxBytes);
      if (update)
        items.push({ kind: "putWrites", position, target: ref, statement: putWritesStatement(ref, update) });
      return;
    }
    if (pending.length === 0) return;
    merge(
      target,
      incoming(pending, ref.checkpointId),
      position,
      (bytes) =>
        new DocumentTooLargeError(`checkpoint ${ref.checkpointId} with its pending writes`, bytes, maxBytes),
    );
  }

  for (const [position, write] of writes.entries()) {
    try {
      if (write.kind === "put") put(write.input, position);
      else putWrites(write.ref, write.writes, position);
    } catch (error) {
      return { items, refused: { error } };
    }
  }
  return { items };
}

/**
 * Takes out of the fresh documents among `stored` (sent and stored before a failure at batch index `failedAt`)
 * every merged write that came from index `failedAt` or later, so they hold what the calls one by one would have
 * stored. One unordered `update` command, or none when nothing was merged from there. Best effort: its own failure
 * is ignored (see the module doc).
 */
async function undoAfter(
  checkpoints: Collection<CheckpointDoc>,
  stored: readonly (Fresh | Outside)[],
  failedAt: number,
): Promise<void> {
  const statements: Statement[] = [];
  for (const item of stored) {
    if (item.kind !== "fresh" || !item.merged.some((m) => m.position >= failedAt)) continue;
    const kept: WriteMap = new Map();
    for (const m of item.merged) if (m.position < failedAt) mergeWrites(kept, m.writes);
    const set: Record<string, unknown> = {};
    const unset: string[] = [];
    for (const [key, doc] of item.writes) {
      const keep = kept.get(key);
      if (keep === undefined) unset.push(`writes.${key}`);
      else if (keep !== doc) set[`writes.${key}`] = { $literal: keep };
    }
    const update: Document[] = [];
    if (Object.keys(set).length > 0) update.push({ $set: set });
    if (unset.length > 0) update.push({ $unset: unset });
    if (update.length > 0) statements.push({ updateOne: { filter: keyOf(item.ref), update } });
  }
  if (statements.length === 0) return;
  // The error being reported matters more than this one: on failure the later writes stay (module doc).
  await checkpoints.bulkWrite(statements, { ordered: false }).catch(() => undefined);
}

/** The error the write of `item` would have thrown on its own, given the server `error` of its document/statement. */
function itemError(error: MongoBulkWriteError, item: Fresh | Outside, maxBytes: number): unknown {
  if (item.kind === "fresh") {
    if (isDuplicate(error)) return new CheckpointConflictError(item.ref);
    if (isTooLarge(error))
      return new DocumentTooLargeError(
        `checkpoint ${item.ref.checkpointId} with its pending writes`,
        undefined,
        maxBytes,
      );
    return error;
  }
  const { target } = item;
  if (item.kind === "parentWrites") {
    if (!isTooLarge(error)) return error;
    return new DocumentTooLargeError(
      `checkpoint ${target.checkpointId} with its pending writes`,
      undefined,
      maxBytes,
      `checkpoint ${item.child?.checkpointId} was stored, the parent's new writes were not`,
    );
  }
  if ([error.writeErrors].flat().some((e) => e.code === MISSING_CHECKPOINT_CODE))
    return new CheckpointNotFoundError(target.threadId, target.checkpointId);
  if (isTooLarge(error))
    return new DocumentTooLargeError(
      `checkpoint ${target.checkpointId} with its pending writes`,
      undefined,
      maxBytes,
    );
  return error;
}

/**
 * Writes `writes` in order in one command (`insert` when every write targets a checkpoint of the batch, else
 * `update`), plus one `update` command to take writes out again after a failure; see the module doc.
 * @param maxBytes largest document accepted (MongoDB: 16 MiB)
 * @param session send the commands in this session (a lease-fence transaction: a failure aborts it all, so no
 *   undo is sent)
 * @throws CheckpointConflictError, CheckpointOrderError, CheckpointNotFoundError, DocumentTooLargeError (module doc),
 *   driver errors otherwise (a prefix of the command may then be stored)
 */
export async function writeCheckpointBatch(
  checkpoints: Collection<CheckpointDoc>,
  writes: readonly StoreWrite[],
  maxBytes: number,
  session?: ClientSession,
): Promise<void> {
  const { items, refused } = planBatch(writes, maxBytes);
  const inSession = session ? { session } : {};
  if (items.length > 0) {
    for (const item of items) if (item.kind === "fresh") item.doc.writes = Object.fromEntries(item.writes);
    try {
      const docs = items.flatMap((item) => (item.kind === "fresh" ? [item.doc] : []));
      if (docs.length === items.length) {
        await checkpoints.insertMany(docs, { ordered: true, ...inSession });
      } else {
        const statements = items.map((item) =>
          item.kind === "fresh" ? insertStatement(item.ref, item.doc) : item.statement,
        );
        await checkpoints.bulkWrite(statements, { ordered: true, ...inSession });
      }
    } catch (error) {
      const index = error instanceof MongoBulkWriteError ? [error.writeErrors].flat()[0]?.index : undefined;
      const item = index === undefined ? undefined : items[index];
      if (!item || index === undefined) throw error;
      if (!session) await undoAfter(checkpoints, items.slice(0, index), item.position);
      throw itemError(error as MongoBulkWriteError, item, maxBytes);
    }
  }
  if (refused !== undefined) throw refused.error;
}
