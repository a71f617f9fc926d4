/**
 * `CronStore` in memory, with the semantics of `src/store/mongo/crons.ts`: filters by assistant, thread, enabled,
 * metadata containment and scope; sorts in BSON order (nulls first ascending) with the cron id as tie-break; due
 * crons oldest tick first; a tick claimed by compare-and-set on `nextRunDate`. A taken id on `create` throws a
 * `StoreError` where MongoDB throws its duplicate-key error.
 */
import type { CronRecord, CronSortBy, CronStore } from "../cron-store.js";
import { CronNotFoundError, StoreError } from "../errors.js";
import type { MemoryDatabase } from "./db.js";
import { clone, containment, page, scope, sortBy } from "./match.js";

const SORT_KEYS: Record<CronSortBy, (c: CronRecord) => unknown> = {
  cron_id: (c) => c.cronId,
  assistant_id: (c) => c.assistantId,
  thread_id: (c) => c.threadId,
  next_run_date: (c) => c.nextRunDate,
  end_time: (c) => c.endTime,
  created_at: (c) => c.createdAt,
  updated_at: (c) => c.updatedAt,
};

/** Creates the cron store over `db`. Errors: see `CronStore`. */
export function createMemoryCronStore(db: MemoryDatabase): CronStore {
  const find = (cronId: string): CronRecord => {
    const cron = db.crons.get(cronId);
    if (!cron) throw new CronNotFoundError(cronId);
    return cron;
  };
  const matcher = (filter: Parameters<CronStore["count"]>[0]) => {
    const metadata = containment("metadata", filter.metadata);
    const scoped = scope(filter.scope);
    return (c: CronRecord) =>
      (filter.assistantId === undefined || c.assistantId === filter.assistantId) &&
      (filter.threadId === undefined || c.threadId === filter.threadId) &&
      (filter.enabled === undefined || c.enabled === filter.enabled) &&
      metadata(c.metadata) &&
      scoped(c.metadata);
  };

  return {
    async create(cron) {
      if (db.crons.has(cron.cronId)) throw new StoreError(`cron ${cron.cronId} already exists`);
      db.crons.set(cron.cronId, clone(cron));
      return cron;
    },

    async get(cronId) {
      return clone(find(cronId));
    },

    async update(cronId, changes, now) {
      const cron = find(cronId);
      cron.updatedAt = new Date(now.getTime());
      for (const key of Object.keys(changes) as Array<keyof typeof changes>) {
        if (changes[key] !== undefined) Object.assign(cron, { [key]: clone(changes[key]) });
      }
      return clone(cron);
    },

    async delete(cronId) {
      if (!db.crons.delete(cronId)) throw new CronNotFoundError(cronId);
    },

    async search(filter, p) {
      if (p.limit === 0) return [];
      const direction = p.sortOrder === "asc" ? 1 : -1;
      const key = SORT_KEYS[p.sortBy];
      const matches = [...db.crons.values()].filter(matcher(filter));
      matches.sort(sortBy((c) => [key(c), c.cronId], [direction, direction]));
      return page(matches, p.offset, p.limit).map(clone);
    },

    async count(filter) {
      return [...db.crons.values()].filter(matcher(filter)).length;
    },

    async listDue(now, limit, staleBefore) {
      const due = [...db.crons.values()]
        .filter(
          (c) =>
            (c.enabled && !c.claim && c.nextRunDate !== null && c.nextRunDate.getTime() <= now.getTime()) ||
            (staleBefore !== undefined &&
              c.claim !== undefined &&
              c.claim.at.getTime() <= staleBefore.getTime()),
        )
        .sort(sortBy((c) => [c.nextRunDate], [1]));
      return page(due, 0, limit).map(clone);
    },

    async claimTick(cronId, tick, next, now) {
      const cron = db.crons.get(cronId);
      if (!cron?.enabled || cron.claim || cron.nextRunDate?.getTime() !== tick.getTime()) return null;
      cron.nextRunDate = next && new Date(next.getTime());
      cron.claim = { tick: new Date(tick.getTime()), at: new Date(now.getTime()) };
      return clone(cron);
    },

    async reclaimTick(cronId, claim, now) {
      const cron = db.crons.get(cronId);
      const held = cron?.claim;
      if (
        !cron ||
        !held ||
        held.tick.getTime() !== claim.tick.getTime() ||
        held.at.getTime() !== claim.at.getTime()
      )
        return null;
      cron.claim = { tick: held.tick, at: new Date(now.getTime()) };
      return clone(cron);
    },

    async releaseTick(cronId, tick) {
      const cron = db.crons.get(cronId);
      if (cron?.claim?.tick.getTime() === tick.getTime()) delete cron.claim;
    },
  };
}
