/**
 * `RunQueueStore` on MongoDB (documents of `runs.ts` and `threads.ts`).
 *
 * - enqueue: one transaction that bumps the thread's `run_seq` (so concurrent creations on one thread conflict and
 *   retry), reads the thread's active runs, applies the multitask strategy and inserts the run — `running` with
 *   a lease when the caller can execute it at once and the thread is free, else `pending`.
 * - claim: one `findOneAndUpdate` pending → running (oldest first). The unique partial index
 *   `one_running_per_thread` refuses a second running run on a thread (E11000): that thread is skipped and the
 *   next candidate tried. An expired lease is reclaimed the same way with `attempt + 1`.
 * - finish writes `end_watched` (whether `watch` was called), so the change stream announces only the ends someone
 *   elsewhere waits for.
 * - renew / finish / release are fenced on `lease_owner` and `attempt`, so an execution that lost its lease (even to
 *   its own process reclaiming the run) writes nothing.
 */
import type { Collection, Document, MongoClient } from "mongodb";
import { MongoServerError } from "mongodb";
import type { JsonObject } from "../../engine/checkpoint.js";
import { RunExistsError, RunNotFoundError, ThreadBusyError, ThreadNotFoundError } from "../errors.js";
import type { Enqueued, EnqueueInput, RunHolder, RunQueueStore } from "../queue-store.js";
import { ACTIVE_RUN_STATUSES, type RunRecord } from "../records.js";
import { writeKey } from "./checkpoint-docs.js";
import { decodeJson, escapeKey } from "./encoding.js";
import { toStored } from "./filters.js";
import { fromRunDoc, type RunDoc } from "./runs.js";
import { type ThreadDoc, threadFinishPipeline } from "./threads.js";
import { inTransaction } from "./transaction.js";

const ACTIVE = { $in: [...ACTIVE_RUN_STATUSES] };
const MAX_SKIPPED_THREADS = 200;

function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === 11000;
}

/** How many of `active` the strategy removed at once (pending runs under `interrupt`/`rollback`). */
function cancelledPending(active: ReadonlyArray<{ status: string }>, strategy: string): number {
  if (strategy !== "interrupt" && strategy !== "rollback") return 0;
  return active.filter((r) => r.status === "pending").length;
}

/** Creates the queue store. `client` starts the transactions. */
export function createMongoRunQueueStore(options: {
  client: MongoClient;
  runs: Collection<RunDoc>;
  threads: Collection<ThreadDoc>;
  checkpoints: Collection<Document>;
}): RunQueueStore {
  const { client, runs, threads, checkpoints } = options;

  async function enqueueOnce(input: EnqueueInput, claim: boolean): Promise<Enqueued> {
    const now = new Date();
    const availableAt = input.availableAt ?? now;
    const delayed = availableAt.getTime() > now.getTime();
    return inTransaction(client, async (session) => {
      const set: Document = { status: "busy", updated_at: now };
      for (const [k, v] of Object.entries(input.threadMetadata ?? {}))
        set[`metadata.${escapeKey(k)}`] = toStored(v);
      const before = await threads.findOneAndUpdate(
        { _id: input.threadId },
        { $inc: { run_seq: 1, active_runs: 1, checkpoint_writers: 1 }, $set: set },
        {
          session,
          projection: { status: 1, active_runs: 1, checkpoint_writers: 1 },
          returnDocument: "before",
        },
      );
      if (!before) throw new ThreadNotFoundError(input.threadId);
      // The counter spares the runs query on a free thread (the common case).
      const active =
        (before.active_runs ?? 0) > 0
          ? await runs
              .find(
                { thread_id: input.threadId, status: ACTIVE },
                { session, projection: { _id: 1, status: 1 }, sort: { created_at: 1, _id: 1 } },
              )
              .toArray()
          : [];
      const strategy = input.multitaskStrategy;
      if (strategy === "reject" && active.length > 0) {
        throw new ThreadBusyError(
          input.threadId,
          active.map((r) => r._id),
        );
      }
      const cancelRequested: string[] = [];
      if ((strategy === "interrupt" || strategy === "rollback") && active.length > 0) {
        const pending = active.filter((r) => r.status === "pending").map((r) => r._id);
        const running = active.filter((r) => r.status === "running").map((r) => r._id);
        if (pending.length > 0 && strategy === "rollback") {
          await runs.deleteMany({ _id: { $in: pending } }, { session });
        } else if (pending.length > 0) {
          await runs.updateMany(
            { _id: { $in: pending } },
            { $set: { status: "interrupted", updated_at: now } },
            { session },
          );
        }
        if (pending.length > 0) {
          await threads.updateOne(
            { _id: input.threadId },
            { $inc: { active_runs: -pending.length } },
            { session },
          );
        }
        if (running.length > 0) {
          await runs.updateMany(
            { _id: { $in: running } },
            { $set: { cancel_requested: strategy, updated_at: now } },
            { session },
          );
          cancelRequested.push(...running);
        }
      }
      // Queued behind another active run of its thread (running, or pending and so older): the queue runs it.
      const runNow =
        claim && !delayed && active.length - cancelledPending(active, strategy) === 0
          ? input.claimFor
          : undefined;
      const doc: RunDoc = {
        _id: input.runId,
        thread_id: input.threadId,
        assistant_id: input.assistantId,
        created_at: now,
        updated_at: now,
        status: runNow ? "running" : "pending",
        metadata: toStored(input.metadata ?? {}),
        kwargs: toStored(input.kwargs ?? {}),
        multitask_strategy: strategy,
        attempt: 1,
        available_at: availableAt,
        lease_owner: runNow ? runNow.owner : null,
        lease_expires_at: runNow ? new Date(now.getTime() + runNow.leaseMs) : null,
        cancel_requested: null,
        log_events: input.logEvents ?? false,
        ...(input.traceparent ? { traceparent: input.traceparent } : {}),
      };
      await runs.insertOne(doc, { session });
      return {
        run: fromRunDoc(doc),
        threadStatusBefore: before.status ?? "idle",
        cancelRequested,
        threadHasNoCheckpoint: before.checkpoint_writers === 0,
      };
    });
  }

  /** The filter of a running run still held by `holder`. */
  const held = (runId: string, holder: RunHolder): Document => ({
    _id: runId,
    lease_owner: holder.owner,
    attempt: holder.attempt,
    status: "running",
  });

  function leaseSet(owner: string, leaseMs: number): Document {
    const now = new Date();
    return { lease_owner: owner, lease_expires_at: new Date(now.getTime() + leaseMs), updated_at: now };
  }

  async function finishWhere(
    filter: Document,
    status: RunRecord["status"],
    threadUpdate: Parameters<RunQueueStore["finish"]>[3],
    output: JsonObject | null,
  ): Promise<{ run: RunRecord; threadActiveRuns: number } | null> {
    return inTransaction(client, async (session) => {
      const now = new Date();
      const set: Document = { status, updated_at: now, lease_owner: null, lease_expires_at: null };
      if (output !== null) set.output = toStored(output);
      const stage: Document = { end_watched: { $gt: [{ $ifNull: ["$watchers", 0] }, 0] } };
      for (const [k, v] of Object.entries(set)) stage[k] = { $literal: v };
      const doc = await runs.findOneAndUpdate(filter, [{ $set: stage }], {
        session,
        returnDocument: "after",
      });
      if (!doc) return null;
      const thread = await threads.findOneAndUpdate(
        { _id: doc.thread_id },
        threadFinishPipeline(threadUpdate, now, doc.thread_id),
        { session, projection: { active_runs: 1 }, returnDocument: "after" },
      );
      return { run: fromRunDoc(doc), threadActiveRuns: thread?.active_runs ?? 0 };
    });
  }

  return {
    async enqueue(input) {
      try {
        return await enqueueOnce(input, input.claimFor !== undefined);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // The thread got a running run between our read and insert (a worker claimed a pending one): queue it.
        if ((error.keyPattern as Document | undefined)?.thread_id !== undefined)
          return enqueueOnce(input, false);
        throw new RunExistsError(input.runId);
      }
    },

    async claimPending(owner, leaseMs) {
      const skipped: string[] = [];
      for (;;) {
        const filter: Document = { status: "pending", available_at: { $lte: new Date() } };
        if (skipped.length > 0) filter.thread_id = { $nin: skipped };
        try {
          const doc = await runs.findOneAndUpdate(
            filter,
            { $set: { status: "running", ...leaseSet(owner, leaseMs) } },
            { sort: { created_at: 1, _id: 1 }, returnDocument: "after" },
          );
          return doc ? fromRunDoc(doc) : null;
        } catch (error) {
          const thread = isDuplicateKey(error)
            ? (error.keyValue as Document | undefined)?.thread_id
            : undefined;
          if (typeof thread !== "string" || skipped.length >= MAX_SKIPPED_THREADS) throw error;
          skipped.push(thread);
        }
      }
    },

    async claimExpired(owner, leaseMs) {
      const doc = await runs.findOneAndUpdate(
        // A running run without a lease (left by an older Loom) counts as expired too.
        { status: "running", $or: [{ lease_expires_at: { $lt: new Date() } }, { lease_expires_at: null }] },
        { $set: leaseSet(owner, leaseMs), $inc: { attempt: 1 } },
        { sort: { lease_expires_at: 1 }, returnDocument: "after" },
      );
      return doc ? fromRunDoc(doc) : null;
    },

    async claimOrphaned(owner, leaseMs, notIn, idleMs) {
      const doc = await runs.findOneAndUpdate(
        {
          status: "running",
          lease_owner: owner,
          _id: { $nin: [...notIn] },
          updated_at: { $lt: new Date(Date.now() - idleMs) },
        },
        { $set: leaseSet(owner, leaseMs), $inc: { attempt: 1 } },
        { sort: { updated_at: 1 }, returnDocument: "after" },
      );
      return doc ? fromRunDoc(doc) : null;
    },

    async renew(runId, holder, leaseMs) {
      const doc = await runs.findOneAndUpdate(
        held(runId, holder),
        { $set: leaseSet(holder.owner, leaseMs) },
        { returnDocument: "after", projection: { kwargs: 0, metadata: 0, output: 0 } },
      );
      return doc ? fromRunDoc({ ...doc, kwargs: {}, metadata: {} }) : null;
    },

    finish(runId, holder, status, thread, output) {
      const filter: Document = holder === null ? { _id: runId, status: ACTIVE } : held(runId, holder);
      return finishWhere(filter, status, thread, output);
    },

    async watch(runId) {
      await runs.updateOne({ _id: runId }, { $inc: { watchers: 1 } });
    },

    async release(runId, holder) {
      await runs.updateOne(held(runId, holder), {
        $set: { status: "pending", lease_owner: null, lease_expires_at: null, updated_at: new Date() },
      });
    },

    async requestCancel(runId, threadId, action) {
      const doc = await runs.findOne({ _id: runId, thread_id: threadId });
      if (!doc) throw new RunNotFoundError(runId, threadId);
      if (doc.status === "pending") {
        if (action === "rollback") {
          const deleted = await inTransaction(client, async (session) => {
            const gone = await runs.findOneAndDelete({ _id: runId, status: "pending" }, { session });
            if (!gone) return false;
            await threads.updateOne(
              { _id: threadId },
              threadFinishPipeline({ status: "idle" }, new Date(), threadId),
              { session },
            );
            return true;
          });
          if (deleted) return fromRunDoc(doc);
        } else if (
          await finishWhere({ _id: runId, status: "pending" }, "interrupted", { status: "idle" }, null)
        ) {
          return fromRunDoc(doc);
        }
      }
      await runs.updateOne(
        { _id: runId, status: "running" },
        { $set: { cancel_requested: action, updated_at: new Date() } },
      );
      return fromRunDoc(doc);
    },

    async hasCheckpoint(threadId, runId) {
      const found = await checkpoints.findOne(
        { thread_id: threadId, "metadata.run_id": runId },
        { projection: { _id: 1 } },
      );
      return found !== null;
    },

    async deleteRunCheckpoints(threadId, runId, writes = []) {
      await checkpoints.deleteMany({ thread_id: threadId, "metadata.run_id": runId });
      const byCheckpoint = new Map<string, { ns: string; id: string; unset: Document }>();
      for (const w of writes) {
        const key = `${w.checkpointNs}\u0000${w.checkpointId}`;
        const entry = byCheckpoint.get(key) ?? { ns: w.checkpointNs, id: w.checkpointId, unset: {} };
        entry.unset[`writes.${writeKey(w.taskId, w.idx)}`] = "";
        byCheckpoint.set(key, entry);
      }
      if (byCheckpoint.size === 0) return;
      await checkpoints.bulkWrite(
        [...byCheckpoint.values()].map((e) => ({
          updateOne: {
            filter: { thread_id: threadId, checkpoint_ns: e.ns, checkpoint_id: e.id },
            update: { $unset: e.unset },
          },
        })),
        { ordered: false },
      );
    },

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
