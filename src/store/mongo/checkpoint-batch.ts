/**
 * `writeBatch` of the MongoDB checkpoint store (engine `CheckpointStore.writeBatch`, engine-semantics §1.16): a batch
 * of puts and putWrites as ONE ordered `bulkWrite` of update statements, which the driver sends as a single `update`
 * command (it splits one only past its message limit, 48 MB, or 100,000 statements).
 *
 * Same effect and errors as the calls one by one (`put`, `putWrites` in checkpoints.ts):
 * - checks made before sending (`CheckpointOrderError`, `DocumentTooLargeError` per document): when write `i` fails
 *   them, the writes before it are sent, then its error is thrown;
 * - the server stops an ordered bulk at the first failing statement; its index maps back to the write:
 *   duplicate key on a put → `CheckpointConflictError` naming that checkpoint (nothing of it written); too large
 *   on its parent writes → `DocumentTooLargeError` (the child is stored); a putWrites to a missing checkpoint →
 *   `CheckpointNotFoundError` (see `putWritesStatement`), too large → `DocumentTooLargeError`.
 *   Writes before the failing one stay written; later ones are not applied.
 */
import type { AnyBulkWriteOperation, Collection } from "mongodb";
import { MongoBulkWriteError } from "mongodb";
import { CheckpointNotFoundError } from "../../engine/errors.js";
import { CheckpointConflictError, type StoreWrite } from "../../engine/store.js";
import { DocumentTooLargeError } from "../errors.js";
import type { CheckpointDoc } from "./checkpoint-docs.js";
import {
  checkedWritesUpdate,
  isDuplicate,
  isTooLarge,
  MISSING_CHECKPOINT_CODE,
  preparePut,
  putStatements,
  putWritesStatement,
} from "./checkpoint-statements.js";

/** The statements of a batch and, per statement, the index of the write it belongs to. */
interface Statements {
  ops: AnyBulkWriteOperation<CheckpointDoc>[];
  owner: number[];
  /** The error of the first write refused before sending, if any (the statements stop before it). */
  refused?: unknown;
}

function statements(writes: readonly StoreWrite[], maxBytes: number): Statements {
  const ops: AnyBulkWriteOperation<CheckpointDoc>[] = [];
  const owner: number[] = [];
  for (const [i, write] of writes.entries()) {
    let own: AnyBulkWriteOperation<CheckpointDoc>[];
    try {
      if (write.kind === "put") {
        own = putStatements(preparePut(write.input, maxBytes));
      } else {
        const update = checkedWritesUpdate(write.writes, write.ref.checkpointId, maxBytes);
        own = update ? [putWritesStatement(write.ref, update)] : [];
      }
    } catch (error) {
      return { ops, owner, refused: error };
    }
    for (const op of own) {
      ops.push(op);
      owner.push(i);
    }
  }
  return { ops, owner };
}

/**
 * The error `write` would have thrown on its own, given the bulk `error` of one of its statements (`isChild`: a
 * put's own document, else its parent's writes).
 */
function writeError(
  error: MongoBulkWriteError,
  write: StoreWrite,
  isChild: boolean,
  maxBytes: number,
): unknown {
  if (write.kind === "put") {
    const ref = {
      threadId: write.input.threadId,
      checkpointNs: write.input.checkpointNs,
      checkpointId: write.input.checkpoint.id,
    };
    if (isDuplicate(error)) return new CheckpointConflictError(ref);
    if (isTooLarge(error) && !isChild) {
      return new DocumentTooLargeError(
        `checkpoint ${write.input.parentCheckpointId} with its pending writes`,
        undefined,
        maxBytes,
        `checkpoint ${ref.checkpointId} was stored, the parent's new writes were not`,
      );
    }
    return error;
  }
  const { ref } = write;
  if ([error.writeErrors].flat().some((e) => e.code === MISSING_CHECKPOINT_CODE))
    return new CheckpointNotFoundError(ref.threadId, ref.checkpointId);
  if (isTooLarge(error))
    return new DocumentTooLargeError(
      `checkpoint ${ref.checkpointId} with its pending writes`,
      undefined,
      maxBytes,
    );
  return error;
}

/** Writes `writes` in order in one command; see the module doc for the errors. */
export async function writeCheckpointBatch(
  checkpoints: Collection<CheckpointDoc>,
  writes: readonly StoreWrite[],
  maxBytes: number,
): Promise<void> {
  const { ops, owner, refused } = statements(writes, maxBytes);
  if (ops.length > 0) {
    try {
      await checkpoints.bulkWrite(ops, { ordered: true });
    } catch (error) {
      const failed = error instanceof MongoBulkWriteError ? [error.writeErrors].flat()[0] : undefined;
      const index = failed?.index;
      const i = index === undefined ? undefined : owner[index];
      const write = i === undefined ? undefined : writes[i];
      if (!write || index === undefined) throw error;
      // A put's first statement is its child; a second one (same owner) is its parent's writes.
      const isChild = index === 0 || owner[index - 1] !== i;
      throw writeError(error as MongoBulkWriteError, write, isChild, maxBytes);
    }
  }
  if (refused !== undefined) throw refused;
}
