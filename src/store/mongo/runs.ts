/**
 * `RunStore` on MongoDB: one document per run in `runs`, `_id` = run id.
 * ```
 * { _id, thread_id, assistant_id, created_at, updated_at, status, metadata, kwargs, multitask_strategy,
 *   attempt: int, available_at: Date, lease_owner: string|null, lease_expires_at: Date|null,
 *   cancel_requested: "interrupt"|"rollback"|null, log_events: bool, output: <wait body>|absent,
 *   traceparent: string|absent }
 * ```
 * A unique partial index on `thread_id` where `status: "running"` makes "at most one running run per thread" a
 * property of the database (the queue in `run-queue.ts` relies on it).
 * ```
 * ```
 * Creating, finishing and deleting a run also update its thread; each of those is one multi-document transaction
 * (the mongod is a replica set). Every run creation increments the thread's `run_seq` first, so two concurrent
 * creations on one thread write the same document and one of them retries after the other commits: with
 * `rejectIfBusy` at most one can see "no active run" (docs/api.md §5 multitask `reject`).
 */
import type { Binary, ClientSession, Collection, Document, MongoClient } from "mongodb";
import { MongoServerError } from "mongodb";
import type { JsonObject } from "../../engine/checkpoint.js";
import { RunExistsError, RunNotFoundError, ThreadBusyError, ThreadNotFoundError } from "../errors.js";
import { ACTIVE_RUN_STATUSES, type NewRun, type RunRecord, type RunStore } from "../records.js";
import { decodeJson } from "./encoding.js";
import { paging, toStored } from "./filters.js";
import { type ThreadDoc, threadStateSet } from "./threads.js";
import { inTransaction } from "./transaction.js";

/** A stored run (see module doc). */
export interface RunDoc {
  _id: string;
  thread_id: string;
  assistant_id: string;
  created_at: Date;
  updated_at: Date;
  status: RunRecord["status"];
  metadata: unknown;
  kwargs: unknown;
  multitask_strategy: RunRecord["multitaskStrategy"];
  attempt: number;
  available_at: Date;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  /** The session of the lease fence's transactions of the current execution (`lease-fence.ts`). */
  fence_session?: Binary | null;
  /** Set by a cancel while running; the owning worker stops the run (`run-queue.ts`). */
  cancel_requested?: "interrupt" | "rollback" | null;
  /** Stream events of the run go to `run_events`. */
  log_events?: boolean;
  /** The creating request's W3C `traceparent`, when tracing was on. */
  traceparent?: string;
  /** The wait body, stored when the run finishes (escaped JSON). */
  output?: unknown;
  /** Processes other than the executing one that wait for the run's end (`RunQueueStore.watch`). */
  watchers?: number;
  /** Set when the run ends: whether anyone elsewhere waits for it (its end is then on the change stream). */
  end_watched?: boolean;
}

const ACTIVE = { $in: [...ACTIVE_RUN_STATUSES] };

/** Converts a stored run to its record. */
export function fromRunDoc(doc: RunDoc): RunRecord {
  return {
    runId: doc._id,
    threadId: doc.thread_id,
    assistantId: doc.assistant_id,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    status: doc.status,
    metadata: decodeJson(doc.metadata) as JsonObject,
    kwargs: decodeJson(doc.kwargs) as JsonObject,
    multitaskStrategy: doc.multitask_strategy,
    attempt: doc.attempt,
    availableAt: doc.available_at,
    leaseOwner: doc.lease_owner ?? null,
    leaseExpiresAt: doc.lease_expires_at ?? null,
    cancelRequested: doc.cancel_requested ?? null,
    logEvents: doc.log_events ?? false,
    ...(doc.traceparent ? { traceparent: doc.traceparent } : {}),
  };
}

/** Creates the run store. `client` starts the transactions. Errors: see `RunStore`. */
export function createMongoRunStore(options: {
  client: MongoClient;
  runs: Collection<RunDoc>;
  threads: Collection<ThreadDoc>;
}): RunStore {
  const { client, runs, threads } = options;

  async function activeIds(
    threadId: string,
    session: ClientSession,
    exceptRunId?: string,
  ): Promise<string[]> {
    const filter: Document = { thread_id: threadId, status: ACTIVE };
    if (exceptRunId !== undefined) filter._id = { $ne: exceptRunId };
    const docs = await runs
      .find(filter, { session, projection: { _id: 1 }, sort: { created_at: 1, _id: 1 } })
      .toArray();
    return docs.map((d) => d._id);
  }

  return {
    async create(input: NewRun, opts = {}): Promise<RunRecord> {
      const now = new Date();
      const doc: RunDoc = {
        _id: input.runId,
        thread_id: input.threadId,
        assistant_id: input.assistantId,
        created_at: now,
        updated_at: now,
        status: "pending",
        metadata: toStored(input.metadata ?? {}),
        kwargs: toStored(input.kwargs ?? {}),
        multitask_strategy: input.multitaskStrategy ?? "reject",
        attempt: 1,
        available_at: input.availableAt ?? now,
        lease_owner: null,
        lease_expires_at: null,
        cancel_requested: null,
        log_events: input.logEvents ?? false,
        ...(input.traceparent ? { traceparent: input.traceparent } : {}),
      };
      try {
        await inTransaction(client, async (session) => {
          const thread = await threads.findOneAndUpdate(
            { _id: input.threadId },
            {
              $inc: { run_seq: 1, active_runs: 1, checkpoint_writers: 1 },
              $set: { status: "busy", updated_at: now },
            },
            { session, projection: { _id: 1 } },
          );
          if (!thread) throw new ThreadNotFoundError(input.threadId);
          if (opts.rejectIfBusy) {
            const active = await activeIds(input.threadId, session);
            if (active.length > 0) throw new ThreadBusyError(input.threadId, active);
          }
          await runs.insertOne(doc, { session });
        });
      } catch (error) {
        if (error instanceof MongoServerError && error.code === 11000) throw new RunExistsError(input.runId);
        throw error;
      }
      return fromRunDoc(doc);
    },

    async get(runId, threadId): Promise<RunRecord> {
      const filter: Document = { _id: runId };
      if (threadId !== undefined) filter.thread_id = threadId;
      const doc = await runs.findOne(filter);
      if (!doc) throw new RunNotFoundError(runId, threadId);
      return fromRunDoc(doc);
    },

    async listByThread(threadId, opts = {}): Promise<RunRecord[]> {
      const { limit, offset } = paging(opts.limit, opts.offset);
      if (limit === 0) return [];
      const filter: Document = { thread_id: threadId };
      if (opts.status !== undefined) filter.status = { $eq: opts.status };
      const docs = await runs
        .find(filter, { sort: { created_at: -1, _id: -1 }, skip: offset, limit })
        .toArray();
      return docs.map(fromRunDoc);
    },

    async listActive(threadId): Promise<RunRecord[]> {
      const docs = await runs
        .find({ thread_id: threadId, status: ACTIVE }, { sort: { created_at: 1, _id: 1 } })
        .toArray();
      return docs.map(fromRunDoc);
    },

    async listByStatus(statuses): Promise<RunRecord[]> {
      const docs = await runs
        .find({ status: { $in: [...statuses] } }, { sort: { created_at: 1, _id: 1 } })
        .toArray();
      return docs.map(fromRunDoc);
    },

    async update(runId, update): Promise<RunRecord> {
      const set: Document = { updated_at: new Date() };
      if (update.status !== undefined) set.status = update.status;
      if (update.leaseOwner !== undefined) set.lease_owner = update.leaseOwner;
      if (update.leaseExpiresAt !== undefined) set.lease_expires_at = update.leaseExpiresAt;
      if (update.attempt !== undefined) set.attempt = update.attempt;
      const doc = await runs.findOneAndUpdate({ _id: runId }, { $set: set }, { returnDocument: "after" });
      if (!doc) throw new RunNotFoundError(runId);
      return fromRunDoc(doc);
    },

    async finish(runId, status, threadUpdate): Promise<RunRecord> {
      return inTransaction(client, async (session) => {
        const now = new Date();
        const set = { status, updated_at: now, lease_owner: null, lease_expires_at: null };
        const before = await runs.findOneAndUpdate(
          { _id: runId },
          { $set: set },
          { session, returnDocument: "before" },
        );
        if (!before) throw new RunNotFoundError(runId);
        const doc: RunDoc = { ...before, ...set };
        const wasActive = ACTIVE_RUN_STATUSES.includes(before.status);
        const others = await activeIds(doc.thread_id, session, runId);
        const update =
          others.length > 0 && threadUpdate.status !== undefined
            ? { ...threadUpdate, status: "busy" as const }
            : threadUpdate;
        await threads.updateOne(
          { _id: doc.thread_id },
          {
            $set: threadStateSet(update, now, doc.thread_id),
            ...(wasActive ? { $inc: { active_runs: -1 } } : {}),
          },
          { session },
        );
        return fromRunDoc(doc);
      });
    },

    async delete(runId, threadId): Promise<void> {
      await inTransaction(client, async (session) => {
        const filter: Document = { _id: runId };
        if (threadId !== undefined) filter.thread_id = threadId;
        const doc = await runs.findOneAndDelete(filter, { session });
        if (!doc) throw new RunNotFoundError(runId, threadId);
        if (!ACTIVE_RUN_STATUSES.includes(doc.status)) return;
        await threads.updateOne({ _id: doc.thread_id }, { $inc: { active_runs: -1 } }, { session });
        if ((await activeIds(doc.thread_id, session)).length > 0) return;
        await threads.updateOne(
          { _id: doc.thread_id, status: "busy" },
          { $set: { status: "idle", updated_at: new Date() } },
          { session },
        );
      });
    },
  };
}
