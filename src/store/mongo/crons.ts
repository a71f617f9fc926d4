/**
 * `CronStore` on MongoDB (docs/crons.md): one document per cron in `crons`, `_id` = cron id.
 * ```
 * { _id, assistant_id, thread_id|null, on_run_completed|null, end_time|null, schedule, timezone|null,
 *   created_at, updated_at, user_id|null, payload, next_run_date|null, metadata, enabled, claim?: {tick, at} }
 * ```
 * `claim` is the tick a scheduler claimed and has not released yet (absent otherwise).
 * Client input never becomes a query operator: ids compare with `$eq`, metadata goes through `containmentFilter`,
 * payload and metadata are key-escaped (`encoding.ts`) and, in updates, written as `$literal`s of a `$set`.
 */
import type { Collection, Document } from "mongodb";
import type { JsonObject } from "../../engine/checkpoint.js";
import type { CronChanges, CronClaim, CronFilter, CronRecord, CronSortBy, CronStore } from "../cron-store.js";
import { CronNotFoundError } from "../errors.js";
import { decodeJson } from "./encoding.js";
import { containmentFilter, scopeFilter, toStored } from "./filters.js";

/** A stored cron (see module doc). */
export interface CronDoc {
  _id: string;
  assistant_id: string;
  thread_id: string | null;
  on_run_completed: "delete" | "keep" | null;
  end_time: Date | null;
  schedule: string;
  timezone: string | null;
  created_at: Date;
  updated_at: Date;
  user_id: string | null;
  payload: unknown;
  next_run_date: Date | null;
  metadata: unknown;
  enabled: boolean;
  claim?: { tick: Date; at: Date } | null;
}

const SORT_FIELDS: Record<CronSortBy, string> = {
  cron_id: "_id",
  assistant_id: "assistant_id",
  thread_id: "thread_id",
  next_run_date: "next_run_date",
  end_time: "end_time",
  created_at: "created_at",
  updated_at: "updated_at",
};

/** Converts a stored cron to its record. */
export function fromCronDoc(doc: CronDoc): CronRecord {
  return {
    cronId: doc._id,
    assistantId: doc.assistant_id,
    threadId: doc.thread_id ?? null,
    onRunCompleted: doc.on_run_completed ?? null,
    endTime: doc.end_time ?? null,
    schedule: doc.schedule,
    timezone: doc.timezone ?? null,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    userId: doc.user_id ?? null,
    payload: decodeJson(doc.payload) as JsonObject,
    nextRunDate: doc.next_run_date ?? null,
    metadata: decodeJson(doc.metadata) as JsonObject,
    enabled: doc.enabled,
    ...(doc.claim ? { claim: { tick: doc.claim.tick, at: doc.claim.at } } : {}),
  };
}

function toCronDoc(cron: CronRecord): CronDoc {
  return {
    _id: cron.cronId,
    assistant_id: cron.assistantId,
    thread_id: cron.threadId,
    on_run_completed: cron.onRunCompleted,
    end_time: cron.endTime,
    schedule: cron.schedule,
    timezone: cron.timezone,
    created_at: cron.createdAt,
    updated_at: cron.updatedAt,
    user_id: cron.userId,
    payload: toStored(cron.payload),
    next_run_date: cron.nextRunDate,
    metadata: toStored(cron.metadata),
    enabled: cron.enabled,
  };
}

function filterOf(filter: CronFilter): Document {
  const query: Document = containmentFilter("metadata", filter.metadata);
  if (filter.assistantId !== undefined) query.assistant_id = { $eq: filter.assistantId };
  if (filter.threadId !== undefined) query.thread_id = { $eq: filter.threadId };
  if (filter.enabled !== undefined) query.enabled = { $eq: filter.enabled };
  if (filter.scope !== undefined) query.$and = [scopeFilter("metadata", filter.scope)];
  return query;
}

/** The `$set` of an update: every client value as a `$literal`, so none is read as an expression. */
function setOf(changes: CronChanges, now: Date): Document {
  const set: Document = { updated_at: now };
  const literal = (value: unknown) => ({ $literal: value });
  if (changes.schedule !== undefined) set.schedule = literal(changes.schedule);
  if (changes.timezone !== undefined) set.timezone = literal(changes.timezone);
  if (changes.endTime !== undefined) set.end_time = changes.endTime;
  if (changes.enabled !== undefined) set.enabled = changes.enabled;
  if (changes.onRunCompleted !== undefined) set.on_run_completed = literal(changes.onRunCompleted);
  if (changes.payload !== undefined) set.payload = literal(toStored(changes.payload));
  if (changes.metadata !== undefined) set.metadata = literal(toStored(changes.metadata));
  if (changes.nextRunDate !== undefined) set.next_run_date = changes.nextRunDate;
  return set;
}

/** Creates the cron store over `crons`; its indexes come from `ensureIndexes()` (`indexes.ts`). */
export function createMongoCronStore(options: { crons: Collection<CronDoc> }): CronStore {
  const { crons } = options;
  return {
    async create(cron) {
      await crons.insertOne(toCronDoc(cron));
      return cron;
    },

    async get(cronId) {
      const doc = await crons.findOne({ _id: { $eq: cronId } });
      if (!doc) throw new CronNotFoundError(cronId);
      return fromCronDoc(doc);
    },

    async update(cronId, changes, now) {
      const doc = await crons.findOneAndUpdate({ _id: { $eq: cronId } }, [{ $set: setOf(changes, now) }], {
        returnDocument: "after",
      });
      if (!doc) throw new CronNotFoundError(cronId);
      return fromCronDoc(doc);
    },

    async delete(cronId) {
      const { deletedCount } = await crons.deleteOne({ _id: { $eq: cronId } });
      if (deletedCount === 0) throw new CronNotFoundError(cronId);
    },

    async search(filter, page) {
      if (page.limit === 0) return [];
      const direction = page.sortOrder === "asc" ? 1 : -1;
      const field = SORT_FIELDS[page.sortBy];
      const sort: Record<string, 1 | -1> = { [field]: direction };
      if (field !== "_id") sort._id = direction;
      const docs = await crons
        .find(filterOf(filter), { sort, skip: page.offset, limit: page.limit })
        .toArray();
      return docs.map(fromCronDoc);
    },

    count: (filter) => crons.countDocuments(filterOf(filter)),

    async listDue(now, limit, staleBefore) {
      const due: Document = { enabled: true, next_run_date: { $lte: now }, claim: null };
      const query = staleBefore ? { $or: [due, { "claim.at": { $lte: staleBefore } }] } : due;
      const docs = await crons.find(query, { sort: { next_run_date: 1 }, limit }).toArray();
      return docs.map(fromCronDoc);
    },

    async claimTick(cronId, tick, next, now) {
      const doc = await crons.findOneAndUpdate(
        { _id: { $eq: cronId }, enabled: true, next_run_date: { $eq: tick }, claim: null },
        { $set: { next_run_date: next, claim: { tick, at: now } } },
        { returnDocument: "after" },
      );
      return doc ? fromCronDoc(doc) : null;
    },

    async reclaimTick(cronId, claim: CronClaim, now) {
      const doc = await crons.findOneAndUpdate(
        { _id: { $eq: cronId }, "claim.tick": { $eq: claim.tick }, "claim.at": { $eq: claim.at } },
        { $set: { "claim.at": now } },
        { returnDocument: "after" },
      );
      return doc ? fromCronDoc(doc) : null;
    },

    async releaseTick(cronId, tick) {
      await crons.updateOne({ _id: { $eq: cronId }, "claim.tick": { $eq: tick } }, { $set: { claim: null } });
    },
  };
}
