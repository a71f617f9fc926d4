/**
 * `CheckpointStore` on MongoDB: one document per checkpoint with its pending writes embedded.
 *
 * Round trips: `getTuple` 1 (a `find` on the unique index), `list(n)` 1 (checkpoints and their writes come
 * together; no 1+n), `put` 1 (insert; with `parentWrites`, one `update` command with two statements: an upsert
 * of the child that can only insert, then the parent's writes), `putWrites` 1, `writeBatch` 1 whatever the number
 * of writes (one ordered `insert` command when every write targets a checkpoint of the batch, with the writes
 * merged into their documents, else one ordered `update` command; a second one only to undo merged writes after a
 * failure: checkpoint-batch.ts).
 *
 * Consistency: with `parentWrites`, the child is inserted first and the parent's writes are merged
 * right after, in the same ordered command. A taken id therefore writes nothing (`CheckpointConflictError`, like
 * MemoryStore); a crash between the two statements leaves the child complete (it already holds the step's
 * applied state), so the engine resumes from it and only the parent's history view lacks that task's writes.
 * The unique index on `(thread_id, checkpoint_ns, checkpoint_id)` makes a taken id a conflict whatever the number
 * of writers; a child id that does not sort after its parent id is refused before writing.
 */
import type { ClientSession, Collection, Document } from "mongodb";
import type { CheckpointRef, CheckpointTuple, PendingWrite } from "../../engine/checkpoint.js";
import { CheckpointNotFoundError } from "../../engine/errors.js";
import {
  CheckpointConflictError,
  type CheckpointQuery,
  type CheckpointStore,
  type HistoryQuery,
  type PutCheckpointInput,
  type StoreWrite,
} from "../../engine/store.js";
import { DocumentTooLargeError } from "../errors.js";
import { writeCheckpointBatch } from "./checkpoint-batch.js";
import { type CheckpointDoc, fromCheckpointDoc } from "./checkpoint-docs.js";
import {
  checkedWritesUpdate,
  isDuplicate,
  isTooLarge,
  keyOf,
  preparePut,
  putStatements,
} from "./checkpoint-statements.js";
import { historyFilter } from "./history-filter.js";

/** MongoDB's document size limit in bytes (16 MiB). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** Options of {@link createMongoCheckpointStore}. */
export interface MongoCheckpointStoreOptions {
  /** The `checkpoints` collection; its indexes come from `ensureIndexes()` (`indexes.ts`). */
  checkpoints: Collection<CheckpointDoc>;
  /** Largest document accepted, in bytes. @default MAX_DOCUMENT_BYTES (16 MiB) */
  maxDocumentBytes?: number;
  /**
   * Send every write in this session (a transaction of the lease fence, `lease-fence.ts`); reads stay outside it.
   * A failing write then aborts the whole transaction: the caller restores the outcomes of the contract.
   */
  session?: ClientSession;
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
  const inSession = options.session ? { session: options.session } : {};

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
    const prepared = preparePut(input, maxBytes);
    const { ref, parentId } = prepared;
    try {
      if (!prepared.parentUpdate) {
        await checkpoints.insertOne(prepared.doc, inSession);
      } else {
        // Both statements are updates, so the driver sends them as one `update` command: one round trip.
        // Being first and ordered, a taken child id fails before the parent's writes: nothing written.
        await checkpoints.bulkWrite(putStatements(prepared), { ordered: true, ...inSession });
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
    const update = checkedWritesUpdate(writes, ref.checkpointId, maxBytes);
    if (!update) return;
    let matched: number;
    try {
      matched = (await checkpoints.updateOne(keyOf(ref), update, inSession)).matchedCount;
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

  function writeBatch(writes: readonly StoreWrite[]): Promise<void> {
    return writeCheckpointBatch(checkpoints, writes, maxBytes, options.session);
  }

  // Checkpoints and their pending writes only, as a LangGraph saver's `deleteThread`: a thread with its runs is
  // deleted by `ThreadStore.delete`, the one operation that removes a thread.
  async function deleteThread(threadId: string): Promise<void> {
    await checkpoints.deleteMany({ thread_id: threadId });
  }

  return { getTuple, list, put, putWrites, writeBatch, deleteThread };
}
