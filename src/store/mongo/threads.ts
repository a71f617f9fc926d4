/**
 * `ThreadStore` on MongoDB: one document per thread in `threads`, `_id` = thread id.
 * ```
 * { _id, created_at, updated_at, state_updated_at, metadata, status, config, values: obj|null,
 *   interrupts: {task_id: Interrupt[]}, error, run_seq: int }
 * ```
 * JSON fields are escaped with `encoding.ts`. `run_seq` is bumped by every run start so concurrent run creations
 * on one thread always conflict (see `runs.ts`); `active_runs` counts its pending + running runs, so creating or
 * ending a run needs no query of the runs collection.
 */
import type { Collection, Document } from "mongodb";
import { BSON, MongoServerError } from "mongodb";
import type { JsonObject, JsonValue } from "../../engine/checkpoint.js";
import { DocumentTooLargeError, ThreadExistsError, ThreadNotFoundError } from "../errors.js";
import type {
  NewThread,
  PruneStrategy,
  ThreadRecord,
  ThreadSearchQuery,
  ThreadStateUpdate,
  ThreadStore,
  ThreadTtl,
} from "../records.js";
import { decodeJson, escapeKey } from "./encoding.js";
import { containmentFilter, scopeFilter, searchPage, toStored } from "./filters.js";

/** A stored thread (see module doc). */
export interface ThreadDoc {
  _id: string;
  created_at: Date;
  updated_at: Date;
  state_updated_at: Date;
  metadata: unknown;
  status: ThreadRecord["status"];
  config: unknown;
  values: unknown;
  interrupts: unknown;
  error: unknown;
  run_seq: number;
  /** Pending + running runs of the thread (kept by run creation and ending, `run-queue.ts`); absent = 0. */
  active_runs?: number;
  /**
   * How many writers may have added checkpoints: bumped by every run creation and, before they write, by state
   * updates, supersteps and copies (`beginCheckpointWrite`). 0 proves the thread has no checkpoint, so its first run
   * skips the head read; absent (a thread older than this field) proves nothing.
   */
  checkpoint_writers?: number;
  /** Time-to-live (docs/api.md §3 "Thread TTL"); `expires_at` is indexed for the sweeper. Absent = none. */
  ttl?: { strategy: PruneStrategy; ttl_minutes: number; expires_at: Date };
}

const SORT_FIELDS: Record<NonNullable<ThreadSearchQuery["sortBy"]>, string> = {
  threadId: "_id",
  status: "status",
  createdAt: "created_at",
  updatedAt: "updated_at",
  stateUpdatedAt: "state_updated_at",
};

/** Converts a stored thread to its record. */
export function fromThreadDoc(doc: ThreadDoc): ThreadRecord {
  return {
    threadId: doc._id,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    stateUpdatedAt: doc.state_updated_at,
    metadata: decodeJson(doc.metadata) as JsonObject,
    status: doc.status,
    config: decodeJson(doc.config) as JsonObject,
    values: (decodeJson(doc.values ?? null) as JsonObject | null) ?? null,
    interrupts: decodeJson(doc.interrupts ?? {}) as Record<string, JsonObject[]>,
    error: decodeJson(doc.error ?? null),
    ttl: doc.ttl
      ? { strategy: doc.ttl.strategy, ttlMinutes: doc.ttl.ttl_minutes, expiresAt: doc.ttl.expires_at }
      : null,
  };
}

/** A TTL as stored. */
function ttlDoc(ttl: ThreadTtl): NonNullable<ThreadDoc["ttl"]> {
  return { strategy: ttl.strategy, ttl_minutes: ttl.ttlMinutes, expires_at: ttl.expiresAt };
}

/** Largest thread document accepted (MongoDB's 16 MiB), minus room for the fixed fields. */
const MAX_STATE_BYTES = 16 * 1024 * 1024 - 64 * 1024;

/**
 * The `$set` of a `ThreadStateUpdate`, plus `updated_at`/`state_updated_at` = `now`.
 * @throws DocumentTooLargeError when the values/interrupts/error alone come near MongoDB's 16 MiB document limit.
 */
export function threadStateSet(update: ThreadStateUpdate, now: Date, threadId = "?"): Document {
  const set: Document = { updated_at: now, state_updated_at: now };
  if (update.status !== undefined) set.status = update.status;
  if (update.values !== undefined) set.values = update.values === null ? null : toStored(update.values);
  if (update.interrupts !== undefined) set.interrupts = toStored(update.interrupts);
  if (update.error !== undefined) set.error = toStored(update.error as JsonValue);
  const size = BSON.calculateObjectSize(set);
  if (size > MAX_STATE_BYTES)
    throw new DocumentTooLargeError(`state of thread ${threadId}`, size, MAX_STATE_BYTES);
  return set;
}

/** `active_runs − 1`, never below 0; a thread stored before the counter existed counts as 1. */
const ACTIVE_AFTER_FINISH: Document = { $max: [0, { $subtract: [{ $ifNull: ["$active_runs", 1] }, 1] }] };

/**
 * The update pipeline that ends one active run of a thread in one write: decrements `active_runs` and applies
 * `update` (values wrapped in `$literal`, so user data is never read as an expression), except that the status
 * stays `busy` while other runs of the thread are still active.
 * @throws DocumentTooLargeError (see {@link threadStateSet})
 */
export function threadFinishPipeline(update: ThreadStateUpdate, now: Date, threadId = "?"): Document[] {
  const set = threadStateSet(update, now, threadId);
  const stage: Document = { active_runs: ACTIVE_AFTER_FINISH };
  for (const [k, v] of Object.entries(set)) stage[k] = { $literal: v };
  if (set.status !== undefined) {
    stage.status = { $cond: [{ $gt: [ACTIVE_AFTER_FINISH, 0] }, "busy", { $literal: set.status }] };
  }
  return [{ $set: stage }];
}

/** Filter of a thread search or count. */
function searchFilter(query: Omit<ThreadSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): Document {
  const filter: Document = {
    ...containmentFilter("metadata", query.metadata),
    ...containmentFilter("values", query.values),
  };
  if (query.status !== undefined) filter.status = { $eq: query.status };
  if (query.ids !== undefined) filter._id = { $in: query.ids.map(String) };
  if (query.scope !== undefined) filter.$and = [scopeFilter("metadata", query.scope)];
  return filter;
}

/** Creates the thread store over `threads` (`delete` cascades to `runs` and `checkpoints`). Errors: see `ThreadStore`. */
export function createMongoThreadStore(options: {
  threads: Collection<ThreadDoc>;
  /** The runs collection (documents of `runs.ts`); `delete` removes the thread's runs. */
  runs: Collection<Document>;
  /** The checkpoints collection; `delete` removes the thread's checkpoints and their writes. */
  checkpoints: Collection<Document>;
}): ThreadStore {
  const { threads, runs, checkpoints } = options;

  /** Deletes the thread and its children; `false` when there was no thread document. */
  async function deleteThread(threadId: string): Promise<boolean> {
    // Children first: a crash midway leaves the thread document, so a retried delete finishes the job.
    await Promise.all([
      runs.deleteMany({ thread_id: threadId }),
      checkpoints.deleteMany({ thread_id: threadId }),
    ]);
    const { deletedCount } = await threads.deleteOne({ _id: threadId });
    return deletedCount > 0;
  }

  /** Drops all but the newest checkpoint of each namespace and clears the TTL; `false` when there is no thread. */
  async function keepLatest(threadId: string): Promise<boolean> {
    const newest = await checkpoints
      .aggregate<{ _id: string; last: string }>([
        { $match: { thread_id: threadId } },
        { $group: { _id: "$checkpoint_ns", last: { $max: "$checkpoint_id" } } },
      ])
      .toArray();
    for (const { _id: ns, last } of newest) {
      await checkpoints.deleteMany({ thread_id: threadId, checkpoint_ns: ns, checkpoint_id: { $lt: last } });
    }
    const { matchedCount } = await threads.updateOne(
      { _id: threadId },
      { $unset: { ttl: "" }, $set: { updated_at: new Date() } },
    );
    return matchedCount > 0;
  }

  async function get(threadId: string): Promise<ThreadRecord> {
    const doc = await threads.findOne({ _id: threadId });
    if (!doc) throw new ThreadNotFoundError(threadId);
    return fromThreadDoc(doc);
  }

  return {
    async create(input: NewThread, opts = {}): Promise<ThreadRecord> {
      const now = new Date();
      const doc: ThreadDoc = {
        _id: input.threadId,
        created_at: now,
        updated_at: now,
        state_updated_at: now,
        metadata: toStored(input.metadata ?? {}),
        status: "idle",
        config: toStored(input.config ?? {}),
        values: null,
        interrupts: {},
        error: null,
        run_seq: 0,
        checkpoint_writers: 0,
        ...(input.ttl ? { ttl: ttlDoc(input.ttl) } : {}),
      };
      try {
        await threads.insertOne(doc);
        return fromThreadDoc(doc);
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
        if (opts.ifExists === "do_nothing") return get(input.threadId);
        throw new ThreadExistsError(input.threadId);
      }
    },

    get,

    async patch(threadId, patch): Promise<ThreadRecord> {
      const set: Document = { updated_at: new Date() };
      for (const [key, value] of Object.entries(patch.metadata ?? {})) {
        set[`metadata.${escapeKey(key)}`] = toStored(value);
      }
      if (patch.ttl) set.ttl = ttlDoc(patch.ttl);
      const doc = await threads.findOneAndUpdate(
        { _id: threadId },
        { $set: set },
        { returnDocument: "after" },
      );
      if (!doc) throw new ThreadNotFoundError(threadId);
      return fromThreadDoc(doc);
    },

    async updateState(threadId, update): Promise<ThreadRecord> {
      const doc = await threads.findOneAndUpdate(
        { _id: threadId },
        { $set: threadStateSet(update, new Date(), threadId) },
        { returnDocument: "after" },
      );
      if (!doc) throw new ThreadNotFoundError(threadId);
      return fromThreadDoc(doc);
    },

    async beginCheckpointWrite(threadId): Promise<void> {
      const { matchedCount } = await threads.updateOne(
        { _id: threadId },
        { $inc: { checkpoint_writers: 1 } },
      );
      if (matchedCount === 0) throw new ThreadNotFoundError(threadId);
    },

    async delete(threadId): Promise<void> {
      if (!(await deleteThread(threadId))) throw new ThreadNotFoundError(threadId);
    },

    async prune(threadIds, strategy): Promise<number> {
      let pruned = 0;
      for (const threadId of new Set(threadIds)) {
        const done = strategy === "delete" ? await deleteThread(threadId) : await keepLatest(threadId);
        if (done) pruned++;
      }
      return pruned;
    },

    async listExpired(now, limit) {
      const docs = await threads
        .find({ "ttl.expires_at": { $lte: now } }, { projection: { _id: 1, "ttl.strategy": 1 } })
        .sort({ "ttl.expires_at": 1 })
        .limit(limit)
        .toArray();
      return docs.map((d) => ({ threadId: d._id, strategy: d.ttl?.strategy ?? "delete" }));
    },

    async search(query): Promise<{ items: ThreadRecord[]; total: number }> {
      const sortField = SORT_FIELDS[query.sortBy ?? "createdAt"];
      return searchPage(threads, searchFilter(query), { ...query, sortField }, fromThreadDoc);
    },

    async count(query): Promise<number> {
      return threads.countDocuments(searchFilter(query));
    },
  };
}
