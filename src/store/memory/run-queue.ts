/**
 * `RunQueueStore` in memory, with the semantics of `src/store/mongo/run-queue.ts`: `enqueue` applies the multitask
 * strategy and claims the run at once for a free thread; claims take the oldest available pending run of a thread
 * without a running one (MongoDB's unique index), reclaim expired leases (a missing lease counts as expired, nulls
 * first) and orphaned claims with `attempt + 1`; renew/finish/release are fenced on owner and attempt; `finish`
 * records `endWatched` from `watch` calls; pending runs cancel at once, running ones get `cancelRequested`.
 *
 * Not modelled: the change stream MongoDB announces watched ends on (nothing here pushes run ends to other
 * processes; callers poll `statuses`), the `maxTimeMS` bound of `countPending`, and the retries MongoDB needs
 * after a write conflict (every method here is atomic by itself, `db.ts`).
 */
import type { JsonObject } from "../../engine/checkpoint.js";
import { RunExistsError, RunNotFoundError, ThreadBusyError, ThreadNotFoundError } from "../errors.js";
import type { RunHolder, RunQueueStore } from "../queue-store.js";
import type { RunRecord, ThreadStateUpdate } from "../records.js";
import { byCreated, type MemoryDatabase, type RunRow } from "./db.js";
import { clone, sortBy } from "./match.js";
import { isActive } from "./runs.js";
import { applyThreadState } from "./threads.js";

/** Creates the queue store over `db`. Errors: see `RunQueueStore`. */
export function createMemoryRunQueueStore(db: MemoryDatabase): RunQueueStore {
  const isHeld = (run: RunRow | undefined, holder: RunHolder): run is RunRow =>
    run !== undefined &&
    run.record.status === "running" &&
    run.record.leaseOwner === holder.owner &&
    run.record.attempt === holder.attempt;

  const lease = (run: RunRow, owner: string, leaseMs: number): void => {
    const now = new Date();
    run.record.leaseOwner = owner;
    run.record.leaseExpiresAt = new Date(now.getTime() + leaseMs);
    run.record.updatedAt = now;
  };

  /**
   * Ends `run` (`threadFinishPipeline`): one active run fewer on the thread, whose status stays `busy` while others
   * remain. The thread state is applied to a copy first, so a state too large writes nothing.
   */
  const finishRun = (
    run: RunRow,
    status: RunRecord["status"],
    update: ThreadStateUpdate,
    output: JsonObject | null,
  ): { run: RunRecord; threadActiveRuns: number } => {
    const now = new Date();
    const thread = db.threads.get(run.record.threadId);
    let threadActiveRuns = 0;
    if (thread) {
      const next = clone(thread.record);
      threadActiveRuns = Math.max(0, thread.activeRuns - 1);
      applyThreadState(next, update, now);
      if (update.status !== undefined && threadActiveRuns > 0) next.status = "busy";
      thread.record = next;
      thread.activeRuns = threadActiveRuns;
    }
    Object.assign(run.record, { status, updatedAt: now, leaseOwner: null, leaseExpiresAt: null });
    if (output !== null) run.output = clone(output);
    run.endWatched = run.watchers > 0;
    return { run: clone(run.record), threadActiveRuns };
  };

  return {
    async enqueue(input) {
      const thread = db.threads.get(input.threadId);
      if (!thread) throw new ThreadNotFoundError(input.threadId);
      const active = db.activeRuns(input.threadId);
      const strategy = input.multitaskStrategy;
      if (strategy === "reject" && active.length > 0) {
        throw new ThreadBusyError(
          input.threadId,
          active.map((r) => r.record.runId),
        );
      }
      if (db.runs.has(input.runId)) throw new RunExistsError(input.runId);
      const now = new Date();
      const availableAt = input.availableAt ? new Date(input.availableAt.getTime()) : now;
      const delayed = availableAt.getTime() > now.getTime();
      const before = { status: thread.record.status, checkpointWriters: thread.checkpointWriters };
      thread.activeRuns++;
      thread.checkpointWriters++;
      thread.record.status = "busy";
      thread.record.updatedAt = now;
      for (const [k, v] of Object.entries(input.threadMetadata ?? {})) thread.record.metadata[k] = clone(v);
      const cancelRequested: string[] = [];
      let cancelled = 0;
      if (strategy === "interrupt" || strategy === "rollback") {
        for (const run of active) {
          if (run.record.status === "pending") {
            cancelled++;
            if (strategy === "rollback") db.runs.delete(run.record.runId);
            else Object.assign(run.record, { status: "interrupted", updatedAt: now });
          } else {
            Object.assign(run.record, { cancelRequested: strategy, updatedAt: now });
            cancelRequested.push(run.record.runId);
          }
        }
        thread.activeRuns -= cancelled;
      }
      const runNow =
        input.claimFor && !delayed && active.length - cancelled === 0 ? input.claimFor : undefined;
      const record: RunRecord = {
        runId: input.runId,
        threadId: input.threadId,
        assistantId: input.assistantId,
        createdAt: now,
        updatedAt: now,
        status: runNow ? "running" : "pending",
        metadata: clone(input.metadata ?? {}),
        kwargs: clone(input.kwargs ?? {}),
        multitaskStrategy: strategy,
        attempt: 1,
        availableAt,
        leaseOwner: runNow ? runNow.owner : null,
        leaseExpiresAt: runNow ? new Date(now.getTime() + runNow.leaseMs) : null,
        cancelRequested: null,
        logEvents: input.logEvents ?? false,
        ...(input.traceparent ? { traceparent: input.traceparent } : {}),
      };
      db.runs.set(input.runId, { record, watchers: 0 });
      return {
        run: clone(record),
        threadStatusBefore: before.status,
        cancelRequested,
        threadHasNoCheckpoint: before.checkpointWriters === 0,
      };
    },

    async claimPending(owner, leaseMs) {
      const now = Date.now();
      const running = new Set(
        [...db.runs.values()].filter((r) => r.record.status === "running").map((r) => r.record.threadId),
      );
      const next = [...db.runs.values()]
        .filter(
          (r) =>
            r.record.status === "pending" &&
            r.record.availableAt.getTime() <= now &&
            !running.has(r.record.threadId),
        )
        .sort(byCreated)[0];
      if (!next) return null;
      next.record.status = "running";
      lease(next, owner, leaseMs);
      return clone(next.record);
    },

    async claimExpired(owner, leaseMs) {
      const now = Date.now();
      const next = [...db.runs.values()]
        .filter(
          (r) =>
            r.record.status === "running" &&
            (r.record.leaseExpiresAt === null || r.record.leaseExpiresAt.getTime() < now),
        )
        .sort(sortBy((r) => [r.record.leaseExpiresAt], [1]))[0];
      if (!next) return null;
      lease(next, owner, leaseMs);
      next.record.attempt++;
      return clone(next.record);
    },

    async claimOrphaned(owner, leaseMs, notIn, idleMs) {
      const idleBefore = Date.now() - idleMs;
      const skip = new Set(notIn);
      const next = [...db.runs.values()]
        .filter(
          (r) =>
            r.record.status === "running" &&
            r.record.leaseOwner === owner &&
            !skip.has(r.record.runId) &&
            r.record.updatedAt.getTime() < idleBefore,
        )
        .sort(sortBy((r) => [r.record.updatedAt], [1]))[0];
      if (!next) return null;
      lease(next, owner, leaseMs);
      next.record.attempt++;
      return clone(next.record);
    },

    async renew(runId, holder, leaseMs) {
      const run = db.runs.get(runId);
      if (!isHeld(run, holder)) return null;
      lease(run, holder.owner, leaseMs);
      // MongoDB's renew reads the run without its kwargs and metadata.
      return { ...clone(run.record), kwargs: {}, metadata: {} };
    },

    async finish(runId, holder, status, thread, output) {
      const run = db.runs.get(runId);
      if (holder === null ? !(run && isActive(run.record.status)) : !isHeld(run, holder)) return null;
      return finishRun(run as RunRow, status, thread, output);
    },

    async watch(runId) {
      const run = db.runs.get(runId);
      if (run) run.watchers++;
    },

    async release(runId, holder) {
      const run = db.runs.get(runId);
      if (!isHeld(run, holder)) return;
      Object.assign(run.record, {
        status: "pending",
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: new Date(),
      });
    },

    async requestCancel(runId, threadId, action) {
      const run = db.runs.get(runId);
      if (!run || run.record.threadId !== threadId) throw new RunNotFoundError(runId, threadId);
      const before = clone(run.record);
      if (run.record.status === "pending") {
        if (action === "rollback") {
          db.runs.delete(runId);
          const thread = db.threads.get(threadId);
          if (thread) {
            const others = Math.max(0, thread.activeRuns - 1);
            applyThreadState(thread.record, { status: others > 0 ? "busy" : "idle" }, new Date());
            thread.activeRuns = others;
          }
        } else finishRun(run, "interrupted", { status: "idle" }, null);
        return before;
      }
      if (run.record.status === "running") {
        Object.assign(run.record, { cancelRequested: action, updatedAt: new Date() });
      }
      return before;
    },

    async hasCheckpoint(threadId, runId) {
      return db.checkpoints.hasRunCheckpoint(threadId, runId);
    },

    async deleteRunCheckpoints(threadId, runId, writes = []) {
      db.checkpoints.deleteRunCheckpoints(threadId, runId, writes);
    },

    async statuses(runIds) {
      const out = new Map<string, RunRecord["status"]>();
      for (const runId of runIds) {
        const run = db.runs.get(runId);
        if (run) out.set(runId, run.record.status);
      }
      return out;
    },

    async output(runId) {
      const run = db.runs.get(runId);
      if (!run) throw new RunNotFoundError(runId);
      return { run: clone(run.record), output: run.output === undefined ? null : clone(run.output) };
    },

    async countPending() {
      return [...db.runs.values()].filter((r) => r.record.status === "pending").length;
    },
  };
}
