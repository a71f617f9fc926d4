/**
 * `RunStore` in memory, with the semantics of `src/store/mongo/runs.ts`: creating a run makes its thread busy
 * (refused on a busy thread with `rejectIfBusy`), ending or deleting the last active run frees it, listings sort
 * by `createdAt` then id, errors are the same. Each method is atomic (see `db.ts`); a refused one writes nothing.
 */
import { RunExistsError, RunNotFoundError, ThreadBusyError, ThreadNotFoundError } from "../errors.js";
import { ACTIVE_RUN_STATUSES, type RunRecord, type RunStore } from "../records.js";
import { byCreated, type MemoryDatabase, type RunRow } from "./db.js";
import { clone, paging } from "./match.js";
import { applyThreadState } from "./threads.js";

/** Whether a run status keeps its thread busy. */
export function isActive(status: RunRecord["status"]): boolean {
  return ACTIVE_RUN_STATUSES.includes(status);
}

/** Creates the run store over `db`. Errors: see `RunStore`. */
export function createMemoryRunStore(db: MemoryDatabase): RunStore {
  const find = (runId: string, threadId?: string): RunRow => {
    const run = db.runs.get(runId);
    if (!run || (threadId !== undefined && run.record.threadId !== threadId))
      throw new RunNotFoundError(runId, threadId);
    return run;
  };

  return {
    async create(input, opts = {}) {
      const thread = db.threads.get(input.threadId);
      if (!thread) throw new ThreadNotFoundError(input.threadId);
      if (opts.rejectIfBusy) {
        const active = db.activeRuns(input.threadId);
        if (active.length > 0)
          throw new ThreadBusyError(
            input.threadId,
            active.map((r) => r.record.runId),
          );
      }
      if (db.runs.has(input.runId)) throw new RunExistsError(input.runId);
      const now = new Date();
      const record: RunRecord = {
        runId: input.runId,
        threadId: input.threadId,
        assistantId: input.assistantId,
        createdAt: now,
        updatedAt: now,
        status: "pending",
        metadata: clone(input.metadata ?? {}),
        kwargs: clone(input.kwargs ?? {}),
        multitaskStrategy: input.multitaskStrategy ?? "reject",
        attempt: 1,
        availableAt: input.availableAt ? new Date(input.availableAt.getTime()) : now,
        leaseOwner: null,
        leaseExpiresAt: null,
        cancelRequested: null,
        logEvents: input.logEvents ?? false,
        ...(input.traceparent ? { traceparent: input.traceparent } : {}),
      };
      thread.activeRuns++;
      thread.checkpointWriters++;
      thread.record.status = "busy";
      thread.record.updatedAt = now;
      db.runs.set(input.runId, { record, watchers: 0 });
      return clone(record);
    },

    async get(runId, threadId) {
      return clone(find(runId, threadId).record);
    },

    async listByThread(threadId, opts = {}) {
      const { limit, offset } = paging(opts.limit, opts.offset);
      if (limit === 0) return [];
      return [...db.runs.values()]
        .filter(
          (r) =>
            r.record.threadId === threadId && (opts.status === undefined || r.record.status === opts.status),
        )
        .sort((a, b) => byCreated(b, a))
        .slice(offset, offset + limit)
        .map((r) => clone(r.record));
    },

    async listActive(threadId) {
      return db.activeRuns(threadId).map((r) => clone(r.record));
    },

    async listByStatus(statuses) {
      return [...db.runs.values()]
        .filter((r) => statuses.includes(r.record.status))
        .sort(byCreated)
        .map((r) => clone(r.record));
    },

    async update(runId, update) {
      const { record } = find(runId);
      record.updatedAt = new Date();
      if (update.status !== undefined) record.status = update.status;
      if (update.leaseOwner !== undefined) record.leaseOwner = update.leaseOwner;
      if (update.leaseExpiresAt !== undefined)
        record.leaseExpiresAt = update.leaseExpiresAt && new Date(update.leaseExpiresAt.getTime());
      if (update.attempt !== undefined) record.attempt = update.attempt;
      return clone(record);
    },

    async finish(runId, status, threadUpdate) {
      const run = find(runId);
      const now = new Date();
      const thread = db.threads.get(run.record.threadId);
      const others = db.activeRuns(run.record.threadId, runId);
      const update =
        others.length > 0 && threadUpdate.status !== undefined
          ? { ...threadUpdate, status: "busy" as const }
          : threadUpdate;
      // Applied to a copy first, so a state that is too large leaves run and thread unchanged.
      if (thread) {
        const next = clone(thread.record);
        applyThreadState(next, update, now);
        thread.record = next;
        if (isActive(run.record.status)) thread.activeRuns--;
      }
      Object.assign(run.record, { status, updatedAt: now, leaseOwner: null, leaseExpiresAt: null });
      return clone(run.record);
    },

    async delete(runId, threadId) {
      const run = find(runId, threadId);
      db.runs.delete(runId);
      if (!isActive(run.record.status)) return;
      const thread = db.threads.get(run.record.threadId);
      if (!thread) return;
      thread.activeRuns--;
      if (db.activeRuns(run.record.threadId).length > 0 || thread.record.status !== "busy") return;
      thread.record.status = "idle";
      thread.record.updatedAt = new Date();
    },
  };
}
