/**
 * `ThreadStore` in memory, with the semantics of `src/store/mongo/threads.ts`: the same filters (containment on
 * metadata and values, status, ids, authorization scope), sort fields with the thread id as tie-break, paging
 * errors, not-found and exists errors, TTL listing, and `delete`/`prune` cascading to the thread's runs and
 * checkpoints. The 16 MiB state limit is checked on the JSON size of the state, an approximation of its BSON size.
 */
import type { JsonValue } from "../../engine/checkpoint.js";
import { DocumentTooLargeError, ThreadExistsError, ThreadNotFoundError } from "../errors.js";
import type { ThreadRecord, ThreadSearchQuery, ThreadStateUpdate, ThreadStore } from "../records.js";
import type { MemoryDatabase, ThreadRow } from "./db.js";
import { clone, containment, paging, scope, sortBy } from "./match.js";

/** Largest state accepted, as `MAX_STATE_BYTES` of the MongoDB store. */
const MAX_STATE_BYTES = 16 * 1024 * 1024 - 64 * 1024;

/**
 * Applies a state update to a thread record at `now` (`threadStateSet`).
 * @throws DocumentTooLargeError when values/interrupts/error come near 16 MiB; the record is left unchanged.
 */
export function applyThreadState(record: ThreadRecord, update: ThreadStateUpdate, now: Date): void {
  const size = Buffer.byteLength(
    JSON.stringify([update.values ?? null, update.interrupts ?? null, update.error ?? null]),
  );
  if (size > MAX_STATE_BYTES)
    throw new DocumentTooLargeError(`state of thread ${record.threadId}`, size, MAX_STATE_BYTES);
  record.updatedAt = now;
  record.stateUpdatedAt = now;
  if (update.status !== undefined) record.status = update.status;
  if (update.values !== undefined) record.values = clone(update.values);
  if (update.interrupts !== undefined) record.interrupts = clone(update.interrupts);
  if (update.error !== undefined) record.error = clone(update.error as JsonValue);
}

const SORT_KEYS: Record<NonNullable<ThreadSearchQuery["sortBy"]>, (t: ThreadRecord) => unknown> = {
  threadId: (t) => t.threadId,
  status: (t) => t.status,
  createdAt: (t) => t.createdAt,
  updatedAt: (t) => t.updatedAt,
  stateUpdatedAt: (t) => t.stateUpdatedAt,
};

function matcher(query: Omit<ThreadSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">) {
  const metadata = containment("metadata", query.metadata);
  const values = containment("values", query.values);
  const scoped = scope(query.scope);
  const ids = query.ids === undefined ? undefined : new Set(query.ids.map(String));
  return (t: ThreadRecord) =>
    metadata(t.metadata) &&
    values(t.values) &&
    (query.status === undefined || t.status === query.status) &&
    (ids === undefined || ids.has(t.threadId)) &&
    scoped(t.metadata);
}

/** Creates the thread store over `db` (`delete` and `prune` also remove runs and checkpoints). */
export function createMemoryThreadStore(db: MemoryDatabase): ThreadStore {
  const row = (threadId: string): ThreadRow => {
    const found = db.threads.get(threadId);
    if (!found) throw new ThreadNotFoundError(threadId);
    return found;
  };

  const deleteThread = (threadId: string): boolean => {
    for (const [runId, run] of db.runs) if (run.record.threadId === threadId) db.runs.delete(runId);
    void db.checkpoints.deleteThread(threadId);
    return db.threads.delete(threadId);
  };

  return {
    async create(input, opts = {}) {
      const existing = db.threads.get(input.threadId);
      if (existing) {
        if (opts.ifExists === "do_nothing") return clone(existing.record);
        throw new ThreadExistsError(input.threadId);
      }
      const now = new Date();
      const record: ThreadRecord = {
        threadId: input.threadId,
        createdAt: now,
        updatedAt: now,
        stateUpdatedAt: now,
        metadata: clone(input.metadata ?? {}),
        status: "idle",
        config: clone(input.config ?? {}),
        values: null,
        interrupts: {},
        error: null,
        ttl: input.ttl ? clone(input.ttl) : null,
      };
      db.threads.set(input.threadId, { record, activeRuns: 0, checkpointWriters: 0 });
      return clone(record);
    },

    async get(threadId) {
      return clone(row(threadId).record);
    },

    async patch(threadId, patch) {
      const { record } = row(threadId);
      record.updatedAt = new Date();
      for (const [key, value] of Object.entries(patch.metadata ?? {})) record.metadata[key] = clone(value);
      if (patch.ttl) record.ttl = clone(patch.ttl);
      return clone(record);
    },

    async updateState(threadId, update) {
      const { record } = row(threadId);
      applyThreadState(record, update, new Date());
      return clone(record);
    },

    async beginCheckpointWrite(threadId) {
      row(threadId).checkpointWriters++;
    },

    async delete(threadId) {
      if (!deleteThread(threadId)) throw new ThreadNotFoundError(threadId);
    },

    async prune(threadIds, strategy) {
      let pruned = 0;
      for (const threadId of new Set(threadIds)) {
        if (strategy === "delete") {
          if (deleteThread(threadId)) pruned++;
          continue;
        }
        db.checkpoints.keepLatest(threadId);
        const found = db.threads.get(threadId);
        if (!found) continue;
        found.record.ttl = null;
        found.record.updatedAt = new Date();
        pruned++;
      }
      return pruned;
    },

    async listExpired(now, limit) {
      const expired = [...db.threads.values()]
        .map((t) => t.record)
        .filter((t) => t.ttl !== null && t.ttl.expiresAt.getTime() <= now.getTime())
        .sort(sortBy((t) => [t.ttl?.expiresAt], [1]));
      // A MongoDB cursor's limit(0) is no limit.
      return (limit === 0 ? expired : expired.slice(0, limit)).map((t) => ({
        threadId: t.threadId,
        strategy: t.ttl?.strategy ?? "delete",
      }));
    },

    async search(query) {
      const { limit, offset } = paging(query.limit, query.offset);
      const key = SORT_KEYS[query.sortBy ?? "createdAt"];
      const direction = query.sortOrder === "asc" ? 1 : -1;
      const matches = [...db.threads.values()].map((t) => t.record).filter(matcher(query));
      matches.sort(sortBy((t) => [key(t), t.threadId], [direction, direction]));
      const items = limit === 0 ? [] : matches.slice(offset, offset + limit);
      return { items: items.map(clone), total: matches.length };
    },

    async count(query) {
      return [...db.threads.values()].map((t) => t.record).filter(matcher(query)).length;
    },
  };
}
