/**
 * Ending runs in the MongoDB `RunQueueStore`: the run's final status and output and the thread's state in one
 * transaction. Finish writes `end_watched` (whether `watch` was called), so the change stream announces only the
 * ends someone elsewhere waits for.
 */
import type { Document } from "mongodb";
import type { JsonObject } from "../../engine/checkpoint.js";
import type { RunQueueStore } from "../queue-store.js";
import type { RunRecord } from "../records.js";
import { toStored } from "./filters.js";
import { ACTIVE, held, type RunQueueCollections } from "./run-queue-shared.js";
import { fromRunDoc } from "./runs.js";
import { threadFinishPipeline } from "./threads.js";
import { inTransaction } from "./transaction.js";

/** The thread update `finish` applies (status, values, interrupts, error). */
export type ThreadFinishUpdate = Parameters<RunQueueStore["finish"]>[3];

/**
 * Ends the run matching `filter` with `status` (clearing its lease, storing `output` unless `null`) and applies
 * `threadUpdate` to its thread, which stays `busy` while it has other active runs. `null` when no run matched (it
 * ended already, or its holder lost the lease).
 */
export async function finishWhere(
  { client, runs, threads }: RunQueueCollections,
  filter: Document,
  status: RunRecord["status"],
  threadUpdate: ThreadFinishUpdate,
  output: JsonObject | null,
): Promise<{ run: RunRecord; threadActiveRuns: number } | null> {
  return inTransaction(client, async (session) => {
    const now = new Date();
    const set: Document = { status, updated_at: now, lease_owner: null, lease_expires_at: null };
    if (output !== null) set.output = toStored(output);
    const stage: Document = { end_watched: { $gt: [{ $ifNull: ["$watchers", 0] }, 0] } };
    for (const [k, v] of Object.entries(set)) stage[k] = { $literal: v };
    const doc = await runs.findOneAndUpdate(filter, [{ $set: stage }], { session, returnDocument: "after" });
    if (!doc) return null;
    const thread = await threads.findOneAndUpdate(
      { _id: doc.thread_id },
      threadFinishPipeline(threadUpdate, now, doc.thread_id),
      { session, projection: { active_runs: 1 }, returnDocument: "after" },
    );
    return { run: fromRunDoc(doc), threadActiveRuns: thread?.active_runs ?? 0 };
  });
}

/**
 * `finish` and `watch` (see `RunQueueStore`). `finish` with a `null` holder ends any active run (a run nobody
 * executes); with a holder it is fenced on the lease.
 */
export function mongoRunFinish(collections: RunQueueCollections): Pick<RunQueueStore, "finish" | "watch"> {
  return {
    finish(runId, holder, status, thread, output) {
      const filter: Document = holder === null ? { _id: runId, status: ACTIVE } : held(runId, holder);
      return finishWhere(collections, filter, status, thread, output);
    },

    async watch(runId) {
      await collections.runs.updateOne({ _id: runId }, { $inc: { watchers: 1 } });
    },
  };
}
