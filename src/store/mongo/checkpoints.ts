/**
 * `CheckpointStore` on MongoDB (issue 4): one document per checkpoint with its pending writes embedded.
 *
 * Round trips: `getTuple` 1 (a `find` on the unique index), `list(n)` 1 (checkpoints and their writes come
 * together; no 1+n), `put` 1 (insert; with `parentWrites`, one `update` command with two statements: an upsert
 * of the child that can only insert, then the parent's writes), `putWrites` 1.
 *
 * Consistency (issue 4 §5): with `parentWrites`, the child is inserted first and the parent's writes are merged
 * right after, in the same ordered command. A taken id therefore writes nothing (`CheckpointConflictError`, like
 * MemoryStore); a crash between the two statements leaves the child complete (it already holds the step's
 * applied state), so the engine resumes from it and only the parent's history view lacks that task's writes.
 * The unique index on `(thread_id, checkpoint_ns, checkpoint_id)` makes a taken id a conflict whatever the number
 * of writers; a child id that does not sort after its parent id is refused before writing.
 */
import { BSON, type Collection, type Document, MongoBulkWriteError, MongoServerError } from "mongodb";
import type { CheckpointRef, CheckpointTuple, PendingWrite } from "../../engine/checkpoint.js";
import { CheckpointNotFoundError } from "../../engine/errors.js";
import {
  CheckpointConflictError,
  type CheckpointQuery,
  type CheckpointStore,
  type HistoryQuery,
  type PutCheckpointInput,
} from "../../engine/store.js";
import { CheckpointOrderError, DocumentTooLargeError } from "../errors.js";
import { type CheckpointDoc, fromCheckpointDoc, toCheckpointDoc } from "./checkpoint-docs.js";
import { historyFilter } from "./history-filter.js";
import { writesUpdate } from "./writes.js";

/** MongoDB's document size limit in bytes (16 MiB). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** Duplicate key. */
const DUPLICATE_KEY = 11000;
/** Server codes for "document (after update) too large". */
const TOO_LARGE_CODES = new Set([10334, 17419, 17420]);

/** Options of {@link createMongoCheckpointStore}. */
export interface MongoCheckpointStoreOptions {
  /** The `checkpoints` collection; its indexes come from `ensureIndexes()` (`indexes.ts`). */
  checkpoints: Collection<CheckpointDoc>;
  /** When given, `deleteThread` also removes the thread's runs (issue 4 §5). */
  runs?: Collection<Document>;
  /** Largest document accepted, in bytes. @default MAX_DOCUMENT_BYTES (16 MiB) */
  maxDocumentBytes?: number;
}

function serverCodes(error: unknown): number[] {
  if (error instanceof MongoBulkWriteError) return [error.writeErrors].flat().map((e) => e.code);
  if (error instanceof MongoServerError) return [Number(error.code)];
  return [];
}

function isTooLarge(error: unknown): boolean {
  return serverCodes(error).some((code) => TOO_LARGE_CODES.has(code));
}

function isDuplicate(error: unknown): boolean {
  return serverCodes(error).includes(DUPLICATE_KEY);
}

function keyOf(ref: CheckpointRef): Document {
  return { thread_id: ref.threadId, checkpoint_ns: ref.checkpointNs, checkpoint_id: ref.checkpointId };
}

/**
 * Creates the MongoDB checkpoint store.
 *
 * Errors: `CheckpointConflictError` (id taken), `CheckpointOrderError` (child id ≤ parent id),
 * `DocumentTooLargeError` (checkpoint over the limit: nothing written; a parent its writes would outgrow: the
 * child is stored, the parent keeps its earlier writes), `CheckpointNotFoundError`
 * (`putWrites` to a missing checkpoint; `put` does not check that the parent exists, and `parentWrites` for a
 * missing parent are dropped), `InvalidQueryError` (bad history query), driver errors otherwise.
 */
export function createMongoCheckpointStore(options: MongoCheckpointStoreOptions): CheckpointStore {
  const { checkpoints } = options;
  const maxBytes = options.maxDocumentBytes ?? MAX_DOCUMENT_BYTES;

  /** The driver fails with a bare RangeError on an oversized command document: refuse before sending. */
  function checkWritesSize(update: Document[], checkpointId: string): void {
    const size = BSON.calculateObjectSize({ u: update });
    if (size > maxBytes)
      throw new DocumentTooLargeError(`pending writes for checkpoint ${checkpointId}`, size, maxBytes);
  }

  async function getTuple(query: CheckpointQuery): Promise<CheckpointTuple | undefined> {
    const filter: Document = { thread_id: query.threadId, checkpoint_ns: query.checkpointNs ?? "" };
    if (query.checkpointId !== undefined) filter.checkpoint_id = query.checkpointId;
    const doc = await checkpoints.findOne(filter, { sort: { checkpoint_id: -1 } });
    return doc ? fromCheckpointDoc(doc) : undefined;
  }

  async function list(query: HistoryQuery): Promise<CheckpointTuple[]> {
    const { filter, limit } = historyFilter(query);
    if (limit === 0) return [];
    const cursor = checkpoints.find(filter, { sort: { checkpoint_id: -1 }, ...(limit ? { limit } : {}) });
    const docs = await cursor.toArray();
    return docs.map(fromCheckpointDoc);
  }

  async function put(input: PutCheckpointInput): Promise<CheckpointRef> {
    const ref: CheckpointRef = {
      threadId: input.threadId,
      checkpointNs: input.checkpointNs,
      checkpointId: input.checkpoint.id,
    };
    const parentId = input.parentCheckpointId;
    if (parentId !== null && !(ref.checkpointId > parentId))
      throw new CheckpointOrderError(ref.checkpointId, parentId);
    const doc = toCheckpointDoc(input);
    const size = BSON.calculateObjectSize(doc as Document);
    if (size > maxBytes) throw new DocumentTooLargeError(`checkpoint ${ref.checkpointId}`, size, maxBytes);
    const parentUpdate = parentId !== null ? writesUpdate(input.parentWrites ?? []) : undefined;
    if (parentUpdate) checkWritesSize(parentUpdate, parentId as string);
    try {
      if (!parentUpdate) {
        await checkpoints.insertOne(doc);
      } else {
        // Both statements are updates, so the driver sends them as one `update` command: one round trip.
        // The child's filter can never match (every stored checkpoint has `v`), so the upsert can only insert,
        // and a taken id fails on the unique index; being first and ordered, that failure writes nothing.
        await checkpoints.bulkWrite(
          [
            {
              replaceOne: {
                filter: { ...keyOf(ref), v: { $exists: false } },
                replacement: doc,
                upsert: true,
              },
            },
            {
              updateOne: {
                filter: keyOf({ ...ref, checkpointId: parentId as string }),
                update: parentUpdate,
              },
            },
          ],
          { ordered: true },
        );
      }
    } catch (error) {
      if (isDuplicate(error)) throw new CheckpointConflictError(ref);
      if (isTooLarge(error)) {
        throw new DocumentTooLargeError(
          `checkpoint ${parentId} with its pending writes`,
          undefined,
          maxBytes,
          `checkpoint ${ref.checkpointId} was stored, the parent's new writes were not`,
        );
      }
      throw error;
    }
    return ref;
  }

  async function putWrites(ref: CheckpointRef, writes: PendingWrite[]): Promise<void> {
    const update = writesUpdate(writes);
    if (!update) return;
    checkWritesSize(update, ref.checkpointId);
    let matched: number;
    try {
      matched = (await checkpoints.updateOne(keyOf(ref), update)).matchedCount;
    } catch (error) {
      if (isTooLarge(error)) {
        throw new DocumentTooLargeError(
          `checkpoint ${ref.checkpointId} with its pending writes`,
          undefined,
          maxBytes,
        );
      }
      throw error;
    }
    if (matched === 0) throw new CheckpointNotFoundError(ref.threadId, ref.checkpointId);
  }

  async function deleteThread(threadId: string): Promise<void> {
    await Promise.all([
      checkpoints.deleteMany({ thread_id: threadId }),
      options.runs?.deleteMany({ thread_id: threadId }),
    ]);
  }

  return { getTuple, list, put, putWrites, deleteThread };
}
