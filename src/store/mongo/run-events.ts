/**
 * `RunEventStore` on MongoDB: collection `run_events`, one document per stream event,
 * ```
 * { _id: ObjectId, run_id, seq: int, event: string, data: <escaped JSON>, expire_at: Date }
 * ```
 * unique on `(run_id, seq)` (the order readers page through), removed by a TTL index on `expire_at`.
 */
import type { Collection } from "mongodb";
import { MongoBulkWriteError } from "mongodb";
import type { JsonValue } from "../../engine/checkpoint.js";
import type { RunEventStore } from "../queue-store.js";
import { decodeJson } from "./encoding.js";
import { toStored } from "./filters.js";

/** A stored event (see module doc). */
export interface RunEventDoc {
  run_id: string;
  seq: number;
  event: string;
  data: unknown;
  expire_at: Date;
}

/** Creates the event store; events expire `ttlMs` after they are written (default one day). */
export function createMongoRunEventStore(options: {
  events: Collection<RunEventDoc>;
  ttlMs?: number;
}): RunEventStore {
  const { events } = options;
  const ttlMs = options.ttlMs ?? 24 * 3600 * 1000;
  return {
    async append(runId, batch) {
      if (batch.length === 0) return;
      const expireAt = new Date(Date.now() + ttlMs);
      const docs = batch.map((e) => ({
        run_id: runId,
        seq: e.seq,
        event: e.event,
        data: toStored(e.data),
        expire_at: expireAt,
      }));
      try {
        await events.insertMany(docs, { ordered: false });
      } catch (error) {
        // A retried insert after a lost reply: the events are there already.
        const dup = error instanceof MongoBulkWriteError && error.writeErrors;
        const all = Array.isArray(dup) ? dup : dup ? [dup] : [];
        if (!(error instanceof MongoBulkWriteError) || all.some((w) => w.code !== 11000)) throw error;
      }
    },

    async read(runId, afterSeq, limit) {
      const docs = await events
        .find({ run_id: runId, seq: { $gt: afterSeq } }, { sort: { seq: 1 }, limit })
        .toArray();
      return docs.map((d) => ({ seq: d.seq, event: d.event, data: decodeJson(d.data) as JsonValue }));
    },

    async lastSeq(runId) {
      const doc = await events.findOne({ run_id: runId }, { sort: { seq: -1 }, projection: { seq: 1 } });
      return doc ? doc.seq : -1;
    },

    async lastSeqs(runIds) {
      const rows = await events
        .aggregate<{ _id: string; seq: number }>([
          { $match: { run_id: { $in: [...runIds] } } },
          { $group: { _id: "$run_id", seq: { $max: "$seq" } } },
        ])
        .toArray();
      return new Map(rows.map((r) => [r._id, r.seq]));
    },

    async deleteRuns(runIds) {
      if (runIds.length > 0) await events.deleteMany({ run_id: { $in: [...runIds] } });
    },
  };
}
