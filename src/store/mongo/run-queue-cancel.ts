/**
 * Cancellation in the MongoDB `RunQueueStore` (docs/api.md §5): a pending run ends at once — deleted under
 * `rollback`, `interrupted` otherwise — and a running one gets `cancel_requested` for its worker to act on. Also
 * the removal of a rolled-back run's checkpoints and pending writes.
 */
import type { Document } from "mongodb";
import { RunNotFoundError } from "../errors.js";
import type { RunQueueStore } from "../queue-store.js";
import { writeKey } from "./checkpoint-docs.js";
import { finishWhere } from "./run-queue-finish.js";
import type { RunQueueCollections } from "./run-queue-shared.js";
import { fromRunDoc } from "./runs.js";
import { threadFinishPipeline } from "./threads.js";
import { inTransaction } from "./transaction.js";

/** Deletes a still-pending run and frees its thread in one transaction; false when it was no longer pending. */
async function deletePending(
  { client, runs, threads }: RunQueueCollections,
  runId: string,
  threadId: string,
) {
  return inTransaction(client, async (session) => {
    const gone = await runs.findOneAndDelete({ _id: runId, status: "pending" }, { session });
    if (!gone) return false;
    await threads.updateOne(
      { _id: threadId },
      threadFinishPipeline({ status: "idle" }, new Date(), threadId),
      {
        session,
      },
    );
    return true;
  });
}

/**
 * `requestCancel`, `hasCheckpoint` and `deleteRunCheckpoints` (see `RunQueueStore`). A pending run that a worker
 * claims meanwhile falls through to the running case, so the request is never lost.
 * @throws RunNotFoundError when the thread has no such run.
 */
export function mongoRunCancel(
  collections: RunQueueCollections,
): Pick<RunQueueStore, "requestCancel" | "hasCheckpoint" | "deleteRunCheckpoints"> {
  const { runs, checkpoints } = collections;
  return {
    async requestCancel(runId, threadId, action) {
      const doc = await runs.findOne({ _id: runId, thread_id: threadId });
      if (!doc) throw new RunNotFoundError(runId, threadId);
      if (doc.status === "pending") {
        if (action === "rollback") {
          if (await deletePending(collections, runId, threadId)) return fromRunDoc(doc);
        } else if (
          await finishWhere(
            collections,
            { _id: runId, status: "pending" },
            "interrupted",
            { status: "idle" },
            null,
          )
        ) {
          return fromRunDoc(doc);
        }
      }
      await runs.updateOne(
        { _id: runId, status: "running" },
        { $set: { cancel_requested: action, updated_at: new Date() } },
      );
      return fromRunDoc(doc);
    },

    async hasCheckpoint(threadId, runId) {
      const found = await checkpoints.findOne(
        { thread_id: threadId, "metadata.run_id": runId },
        { projection: { _id: 1 } },
      );
      return found !== null;
    },

    async deleteRunCheckpoints(threadId, runId, writes = []) {
      await checkpoints.deleteMany({ thread_id: threadId, "metadata.run_id": runId });
      const byCheckpoint = new Map<string, { ns: string; id: string; unset: Document }>();
      for (const w of writes) {
        const key = `${w.checkpointNs}\u0000${w.checkpointId}`;
        const entry = byCheckpoint.get(key) ?? { ns: w.checkpointNs, id: w.checkpointId, unset: {} };
        entry.unset[`writes.${writeKey(w.taskId, w.idx)}`] = "";
        byCheckpoint.set(key, entry);
      }
      if (byCheckpoint.size === 0) return;
      await checkpoints.bulkWrite(
        [...byCheckpoint.values()].map((e) => ({
          updateOne: {
            filter: { thread_id: threadId, checkpoint_ns: e.ns, checkpoint_id: e.id },
            update: { $unset: e.unset },
          },
        })),
        { ordered: false },
      );
    },
  };
}
