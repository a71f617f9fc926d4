/**
 * `RunEventStore` in memory, with the semantics of `src/store/mongo/run-events.ts`: events keyed `(runId, seq)`,
 * a duplicate seq ignored (the first write wins), reads in seq order, `limit` 0 meaning no limit as a MongoDB
 * cursor's. Events expire `ttlMs` after they were written; here they vanish from reads at once, where MongoDB's
 * TTL monitor removes them up to a minute later.
 */
import type { RunEventStore } from "../queue-store.js";
import type { EventRow, MemoryDatabase } from "./db.js";
import { clone, page } from "./match.js";

/** Creates the event store over `db`; events expire `ttlMs` after they are written (default one day). */
export function createMemoryRunEventStore(
  db: MemoryDatabase,
  options: { ttlMs?: number } = {},
): RunEventStore {
  const ttlMs = options.ttlMs ?? 24 * 3600 * 1000;
  const live = (runId: string): EventRow[] => {
    const now = Date.now();
    return [...(db.events.get(runId)?.values() ?? [])]
      .filter((e) => e.expireAt.getTime() > now)
      .sort((a, b) => a.event.seq - b.event.seq);
  };

  return {
    async append(runId, batch) {
      if (batch.length === 0) return;
      const expireAt = new Date(Date.now() + ttlMs);
      let log = db.events.get(runId);
      if (!log) {
        log = new Map();
        db.events.set(runId, log);
      }
      for (const event of batch) {
        const old = log.get(event.seq);
        if (old && old.expireAt.getTime() > Date.now()) continue;
        log.set(event.seq, { event: clone(event), expireAt });
      }
    },

    async read(runId, afterSeq, limit) {
      const events = live(runId).filter((e) => e.event.seq > afterSeq);
      return page(events, 0, limit).map((e) => clone(e.event));
    },

    async lastSeq(runId) {
      return live(runId).at(-1)?.event.seq ?? -1;
    },

    async lastSeqs(runIds) {
      const out = new Map<string, number>();
      for (const runId of new Set(runIds)) {
        const last = live(runId).at(-1);
        if (last) out.set(runId, last.event.seq);
      }
      return out;
    },

    async deleteRuns(runIds) {
      for (const runId of runIds) db.events.delete(runId);
    },
  };
}
