/**
 * `RunQueueStore.enqueue` on MongoDB: one transaction that bumps the thread's `run_seq` (so concurrent creations on
 * one thread conflict and retry), reads the thread's active runs, applies the multitask strategy (docs/api.md §5)
 * and inserts the run — `running` with a lease when the caller can execute it at once and the thread is free, else
 * `pending`.
 */
import type { ClientSession, Document } from "mongodb";
import { RunExistsError, ThreadBusyError, ThreadNotFoundError } from "../errors.js";
import type { Enqueued, EnqueueInput, RunQueueStore } from "../queue-store.js";
import type { MultitaskStrategy } from "../records.js";
import { escapeKey } from "./encoding.js";
import { toStored } from "./filters.js";
import { ACTIVE, isDuplicateKey, type RunQueueCollections } from "./run-queue-shared.js";
import { fromRunDoc, type RunDoc } from "./runs.js";
import type { ThreadDoc } from "./threads.js";
import { inTransaction } from "./transaction.js";

/** An active run of the thread, as the strategy sees it (oldest first). */
interface ActiveRun {
  _id: string;
  status: string;
}

/** How many of `active` the strategy removed at once (pending runs under `interrupt`/`rollback`). */
function cancelledPending(active: readonly ActiveRun[], strategy: MultitaskStrategy): number {
  if (strategy !== "interrupt" && strategy !== "rollback") return 0;
  return active.filter((r) => r.status === "pending").length;
}

/**
 * Marks the thread busy, sets `threadMetadata` on it and counts the new run (`run_seq`, `active_runs`,
 * `checkpoint_writers`); answers the thread as it was before.
 * @throws ThreadNotFoundError when the thread does not exist.
 */
async function takeThread(
  threads: RunQueueCollections["threads"],
  input: EnqueueInput,
  now: Date,
  session: ClientSession,
): Promise<Pick<ThreadDoc, "status" | "active_runs" | "checkpoint_writers">> {
  const set: Document = { status: "busy", updated_at: now };
  for (const [k, v] of Object.entries(input.threadMetadata ?? {}))
    set[`metadata.${escapeKey(k)}`] = toStored(v);
  const before = await threads.findOneAndUpdate(
    { _id: input.threadId },
    { $inc: { run_seq: 1, active_runs: 1, checkpoint_writers: 1 }, $set: set },
    { session, projection: { status: 1, active_runs: 1, checkpoint_writers: 1 }, returnDocument: "before" },
  );
  if (!before) throw new ThreadNotFoundError(input.threadId);
  return before;
}

/**
 * Applies `interrupt`/`rollback` to the thread's active runs: pending ones are ended `interrupted` (or deleted
 * under `rollback`) and leave the thread's `active_runs`; running ones get `cancel_requested` and are answered, as
 * the runs the runtime must stop. `reject` refuses a busy thread; `enqueue` changes nothing.
 * @throws ThreadBusyError under `reject` when the thread has an active run (409).
 */
async function applyStrategy(
  { runs, threads }: RunQueueCollections,
  threadId: string,
  strategy: MultitaskStrategy,
  active: readonly ActiveRun[],
  now: Date,
  session: ClientSession,
): Promise<string[]> {
  if (strategy === "reject" && active.length > 0) {
    throw new ThreadBusyError(
      threadId,
      active.map((r) => r._id),
    );
  }
  if ((strategy !== "interrupt" && strategy !== "rollback") || active.length === 0) return [];
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
    await threads.updateOne({ _id: threadId }, { $inc: { active_runs: -pending.length } }, { session });
  }
  if (running.length > 0) {
    await runs.updateMany(
      { _id: { $in: running } },
      { $set: { cancel_requested: strategy, updated_at: now } },
      { session },
    );
  }
  return running;
}

/** The run's document: `running` leased to `runNow` when given, else `pending` from `availableAt`; attempt 1. */
function newRunDoc(
  input: EnqueueInput,
  now: Date,
  availableAt: Date,
  runNow: EnqueueInput["claimFor"] | undefined,
): RunDoc {
  return {
    _id: input.runId,
    thread_id: input.threadId,
    assistant_id: input.assistantId,
    created_at: now,
    updated_at: now,
    status: runNow ? "running" : "pending",
    metadata: toStored(input.metadata ?? {}),
    kwargs: toStored(input.kwargs ?? {}),
    multitask_strategy: input.multitaskStrategy,
    attempt: 1,
    available_at: availableAt,
    lease_owner: runNow ? runNow.owner : null,
    lease_expires_at: runNow ? new Date(now.getTime() + runNow.leaseMs) : null,
    cancel_requested: null,
    log_events: input.logEvents ?? false,
    ...(input.traceparent ? { traceparent: input.traceparent } : {}),
  };
}

/** One attempt at the enqueue transaction; `claim` lets the run start `running` on a free thread. */
async function enqueueOnce(
  collections: RunQueueCollections,
  input: EnqueueInput,
  claim: boolean,
): Promise<Enqueued> {
  const { client, runs, threads } = collections;
  const now = new Date();
  const availableAt = input.availableAt ?? now;
  const delayed = availableAt.getTime() > now.getTime();
  return inTransaction(client, async (session) => {
    const before = await takeThread(threads, input, now, session);
    // The counter spares the runs query on a free thread (the common case).
    const active: ActiveRun[] =
      (before.active_runs ?? 0) > 0
        ? await runs
            .find(
              { thread_id: input.threadId, status: ACTIVE },
              { session, projection: { _id: 1, status: 1 }, sort: { created_at: 1, _id: 1 } },
            )
            .toArray()
        : [];
    const strategy = input.multitaskStrategy;
    const cancelRequested = await applyStrategy(collections, input.threadId, strategy, active, now, session);
    // Queued behind another active run of its thread (running, or pending and so older): the queue runs it.
    const runNow =
      claim && !delayed && active.length - cancelledPending(active, strategy) === 0
        ? input.claimFor
        : undefined;
    const doc = newRunDoc(input, now, availableAt, runNow);
    await runs.insertOne(doc, { session });
    return {
      run: fromRunDoc(doc),
      threadStatusBefore: before.status ?? "idle",
      cancelRequested,
      threadHasNoCheckpoint: before.checkpoint_writers === 0,
    };
  });
}

/**
 * `enqueue` (see `RunQueueStore.enqueue`). When a worker claimed a pending run of the thread between the read and
 * the insert (E11000 on `one_running_per_thread`), the run is queued `pending` instead.
 * @throws ThreadNotFoundError, ThreadBusyError, RunExistsError (the run id is taken).
 */
export function mongoEnqueue(collections: RunQueueCollections): Pick<RunQueueStore, "enqueue"> {
  return {
    async enqueue(input) {
      try {
        return await enqueueOnce(collections, input, input.claimFor !== undefined);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        if ((error.keyPattern as Document | undefined)?.thread_id !== undefined)
          return enqueueOnce(collections, input, false);
        throw new RunExistsError(input.runId);
      }
    },
  };
}
