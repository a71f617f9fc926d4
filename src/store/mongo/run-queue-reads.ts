/** The reads of the MongoDB `RunQueueStore`: statuses of many runs, a run's output, the pending count. */
import type { JsonObject } from "../../engine/checkpoint.js";
import { RunNotFoundError } from "../errors.js";
import type { RunQueueStore } from "../queue-store.js";
import { decodeJson } from "./encoding.js";
import type { RunQueueCollections } from "./run-queue-shared.js";
import { fromRunDoc } from "./runs.js";

/**
 * `statuses`, `output` and `countPending` (see `RunQueueStore`).
 * @throws RunNotFoundError from `output` when the run does not exist.
 */
export function mongoRunReads({
  runs,
}: RunQueueCollections): Pick<RunQueueStore, "statuses" | "output" | "countPending"> {
  return {
    async statuses(runIds) {
      const docs = await runs.find({ _id: { $in: [...runIds] } }, { projection: { status: 1 } }).toArray();
      return new Map(docs.map((d) => [d._id, d.status]));
    },

    async output(runId) {
      const doc = await runs.findOne({ _id: runId });
      if (!doc) throw new RunNotFoundError(runId);
      const output =
        doc.output === undefined || doc.output === null ? null : (decodeJson(doc.output) as JsonObject);
      return { run: fromRunDoc(doc), output };
    },

    // A count over the `status_created_at` index (no document read); `maxTimeMS` bounds a scrape on a huge queue.
    countPending: () => runs.countDocuments({ status: "pending" }, { maxTimeMS: 2000 }),
  };
}
