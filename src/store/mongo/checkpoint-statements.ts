/**
 * The write statements of the MongoDB checkpoint store, shared by `put`/`putWrites` (checkpoints.ts) and
 * `writeBatch` (checkpoint-batch.ts): the checks made before sending (order, 16 MiB), the statements themselves and
 * the server error codes they fail with.
 *
 * Every statement here is an `update` statement (`replaceOne`/`updateOne`), so any ordered list of them goes out as
 * ONE `update` command (an `insertOne` among them would split the bulk into several commands). A batch that
 * targets only the checkpoints it inserts goes out as one `insert` command instead (checkpoint-batch.ts).
 */
import {
  type AnyBulkWriteOperation,
  BSON,
  type Document,
  MongoBulkWriteError,
  MongoServerError,
} from "mongodb";
import type { CheckpointRef, PendingWrite } from "../../engine/checkpoint.js";
import type { PutCheckpointInput } from "../../engine/store.js";
import { CheckpointOrderError, DocumentTooLargeError } from "../errors.js";
import { type CheckpointDoc, toCheckpointDoc } from "./checkpoint-docs.js";
import { writesUpdate } from "./writes.js";

/** Duplicate key. */
const DUPLICATE_KEY = 11000;
/** Server codes for "document (after update) too large". */
const TOO_LARGE_CODES = new Set([10334, 17419, 17420]);
/** `ConversionFailure`: what the missing-checkpoint probe of {@link putWritesStatement} fails with. */
export const MISSING_CHECKPOINT_CODE = 241;

/** Server error codes of a failed write (each write error of a bulk). */
export function serverCodes(error: unknown): number[] {
  if (error instanceof MongoBulkWriteError) return [error.writeErrors].flat().map((e) => e.code);
  if (error instanceof MongoServerError) return [Number(error.code)];
  return [];
}

/** True when the server refused a document over the size limit. */
export function isTooLarge(error: unknown): boolean {
  return serverCodes(error).some((code) => TOO_LARGE_CODES.has(code));
}

/** True for a unique-index violation (a taken checkpoint id, or the run fence). */
export function isDuplicate(error: unknown): boolean {
  return serverCodes(error).includes(DUPLICATE_KEY);
}

/** The unique key of a checkpoint document. */
export function keyOf(ref: CheckpointRef): Document {
  return { thread_id: ref.threadId, checkpoint_ns: ref.checkpointNs, checkpoint_id: ref.checkpointId };
}

/**
 * The pending-writes update of `writes` for checkpoint `checkpointId` (`writes.ts`), or `undefined` for none.
 * @throws DocumentTooLargeError when the update alone is over `maxBytes` (the driver would fail with a bare
 *   RangeError): refused before sending.
 */
export function checkedWritesUpdate(
  writes: readonly PendingWrite[],
  checkpointId: string,
  maxBytes: number,
): Document[] | undefined {
  const update = writesUpdate(writes);
  if (!update) return undefined;
  const size = BSON.calculateObjectSize({ u: update });
  if (size > maxBytes)
    throw new DocumentTooLargeError(`pending writes for checkpoint ${checkpointId}`, size, maxBytes);
  return update;
}

/** A checkpoint of a `put`, checked and encoded, ready to send. */
export interface PreparedCheckpoint {
  ref: CheckpointRef;
  parentId: string | null;
  /** The document to insert; `writes` is empty. */
  doc: CheckpointDoc;
  /** Encoded size of `doc` in bytes. */
  bytes: number;
}

/** A `put` checked and encoded, ready to send. */
export interface PreparedPut extends PreparedCheckpoint {
  /** The parent's pending-writes update (`parentWrites`), when there is a parent and writes. */
  parentUpdate: Document[] | undefined;
}

/**
 * Checks and encodes the checkpoint of `input` (not its `parentWrites`) before anything is sent.
 * @throws CheckpointOrderError (child id ≤ parent id), DocumentTooLargeError (checkpoint over `maxBytes`)
 */
export function prepareCheckpoint(input: PutCheckpointInput, maxBytes: number): PreparedCheckpoint {
  const ref: CheckpointRef = {
    threadId: input.threadId,
    checkpointNs: input.checkpointNs,
    checkpointId: input.checkpoint.id,
  };
  const parentId = input.parentCheckpointId;
  if (parentId !== null && !(ref.checkpointId > parentId))
    throw new CheckpointOrderError(ref.checkpointId, parentId);
  const doc = toCheckpointDoc(input);
  const bytes = BSON.calculateObjectSize(doc as Document);
  if (bytes > maxBytes) throw new DocumentTooLargeError(`checkpoint ${ref.checkpointId}`, bytes, maxBytes);
  return { ref, parentId, doc, bytes };
}

/**
 * Checks and encodes `input` before anything is sent: {@link prepareCheckpoint}, then the parent's writes update.
 * @throws CheckpointOrderError (child id ≤ parent id), DocumentTooLargeError (checkpoint or parent writes over
 *   `maxBytes`)
 */
export function preparePut(input: PutCheckpointInput, maxBytes: number): PreparedPut {
  const prepared = prepareCheckpoint(input, maxBytes);
  const { parentId } = prepared;
  const parentUpdate =
    parentId !== null ? checkedWritesUpdate(input.parentWrites ?? [], parentId, maxBytes) : undefined;
  return { ...prepared, parentUpdate };
}

/**
 * The upsert of a new checkpoint `doc` that can only insert: its filter requires a missing `v`, which every stored
 * checkpoint has, so a taken id (or the run fence) fails on a unique index and writes nothing.
 */
export function insertStatement(
  ref: CheckpointRef,
  doc: CheckpointDoc,
): AnyBulkWriteOperation<CheckpointDoc> {
  return { replaceOne: { filter: { ...keyOf(ref), v: { $exists: false } }, replacement: doc, upsert: true } };
}

/**
 * The statements of a put: the child as an upsert that can only insert ({@link insertStatement}), then the
 * parent's writes ({@link parentWritesStatement}).
 */
export function putStatements(put: PreparedPut): AnyBulkWriteOperation<CheckpointDoc>[] {
  const child = insertStatement(put.ref, put.doc);
  if (!put.parentUpdate) return [child];
  const parentRef = { ...put.ref, checkpointId: put.parentId as string };
  return [child, parentWritesStatement(parentRef, put.parentUpdate)];
}

/** The update of a put's parent writes: a missing parent matches nothing, so its writes are dropped. */
export function parentWritesStatement(
  parent: CheckpointRef,
  update: Document[],
): AnyBulkWriteOperation<CheckpointDoc> {
  return { updateOne: { filter: keyOf(parent), update } };
}

/**
 * The statement of a `putWrites` inside a batch: an upsert whose first pipeline stage fails with
 * {@link MISSING_CHECKPOINT_CODE} when the document is new (no `v`: the checkpoint does not exist), so a missing
 * checkpoint is a write error of this very statement that stops an ordered batch, and nothing is inserted.
 */
export function putWritesStatement(
  ref: CheckpointRef,
  update: Document[],
): AnyBulkWriteOperation<CheckpointDoc> {
  const probe = {
    $set: {
      _missing_checkpoint: {
        $cond: [
          { $eq: [{ $type: "$v" }, "missing"] },
          // Depends on a field, so the server cannot fold it ahead of time; never a number.
          { $toInt: { $concat: ["checkpoint not found: ", "$checkpoint_id"] } },
          "$$REMOVE",
        ],
      },
    },
  };
  return { updateOne: { filter: keyOf(ref), update: [probe, ...update], upsert: true } };
}
