/**
 * The lease fence on MongoDB (`LeaseFence`, docs/runs.md "Leases"): every step write of an execution — a checkpoint
 * `put`, `putWrites`, a `writeBatch`, an event `append` — runs in one transaction that also updates the run's
 * document under the holder's fencing token:
 * ```
 * runs.updateOne({_id, status: "running", lease_owner, attempt, lease_expires_at: {$gt: now}}, {$set: {fenced_at}})
 * ```
 * (after the writes, so the run document is locked only for the instant before the commit). No match: the
 * transaction is aborted, nothing is stored, `LeaseRefusedError`. Because the fence WRITES the run
 * document, a claim or reclaim of the run (which writes `attempt`/`lease_owner` of the same document) and a fenced
 * commit conflict: one of them commits first, and the other sees its effect (a reclaim after the commit; a refused
 * commit after the reclaim). No timing is involved. `fenced_at` is filtered out of the change stream.
 *
 * An execution's commits run one after another in one session, whose id the run document names (`fence_session`,
 * written once before the first transaction). A process killed between the fence and the commit leaves an open
 * transaction that holds the run document (a reclaim's write would wait for the server's
 * `transactionLifetimeLimitSeconds`, 60 s by default); so a reclaim first aborts that session's transaction with
 * `killSessions` (`abortFencedSession`, run-queue-lease.ts).
 *
 * Outcomes are those of the unfenced store (the engine contract): a write error aborts the whole transaction, so
 * - a `put` whose parent writes would outgrow the parent stores the child alone again, then throws;
 * - a `writeBatch` that fails is replayed write by write (each fenced), stopping at the failing write with its own
 *   error, so the writes before it are stored as the contract says.
 * A write conflict (code 112) with a concurrent claim or renewal is retried at once, a few times. Any other error,
 * transient ones included, is thrown for the caller's outage retry.
 */
import { type ClientSession, type Collection, type MongoClient, MongoServerError } from "mongodb";
import type { CheckpointStore, StoreWrite } from "../../engine/store.js";
import { DocumentTooLargeError, LeaseRefusedError } from "../errors.js";
import type { LeaseFence, RunEventStore, RunHolder } from "../queue-store.js";
import type { CheckpointDoc } from "./checkpoint-docs.js";
import { createMongoCheckpointStore } from "./checkpoints.js";
import { toStored } from "./filters.js";
import type { RunEventDoc } from "./run-events.js";
import type { RunDoc } from "./runs.js";

/** Options of {@link createMongoLeaseFence}. */
export interface MongoLeaseFenceOptions {
  client: MongoClient;
  runs: Collection<RunDoc>;
  checkpoints: Collection<CheckpointDoc>;
  events: Collection<RunEventDoc>;
  /** The unfenced checkpoint store of the same collection: reads and `deleteThread` go through it. */
  store: CheckpointStore;
  /** The unfenced event store of the same collection: reads go through it. */
  eventStore: RunEventStore;
  /** Largest checkpoint document accepted, in bytes. @default 16 MiB */
  maxDocumentBytes?: number;
  /** Events expire this long after they are written, in ms. @default one day (as `run-events.ts`) */
  eventTtlMs?: number;
}

/** One execution's fencing state: its session (one transaction at a time), its last commit, its registration. */
interface FencedExecution {
  session: ClientSession;
  /** Settles when the execution's last queued commit has. */
  tail: Promise<void>;
  /** Whether the run document names `session` (`fence_session`) for this holder. */
  registered: boolean;
}

/** Immediate retries of a fenced transaction that met a write conflict on the run document. */
const CONFLICT_RETRIES = 5;

function isWriteConflict(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 112;
}

/** Creates the fence (no I/O). */
export function createMongoLeaseFence(options: MongoLeaseFenceOptions): LeaseFence {
  const { client, runs, checkpoints, events, store, eventStore } = options;
  const ttlMs = options.eventTtlMs ?? 24 * 3600 * 1000;

  /** The open executions by `runId`, owner and attempt: their session and the tail of their commits. */
  const executions = new Map<string, FencedExecution>();
  const keyOf = (runId: string, holder: RunHolder) => `${holder.attempt}:${holder.owner}:${runId}`;

  function executionOf(runId: string, holder: RunHolder): FencedExecution {
    const key = keyOf(runId, holder);
    let execution = executions.get(key);
    if (!execution) {
      execution = { session: client.startSession(), tail: Promise.resolve(), registered: false };
      executions.set(key, execution);
    }
    return execution;
  }

  /**
   * `write` in a transaction that commits only while `holder` holds run `runId` (module doc), after the commits of
   * the same execution before it: one session runs one transaction at a time.
   */
  function commit<T>(
    runId: string,
    holder: RunHolder,
    write: (session: ClientSession) => Promise<T>,
  ): Promise<T> {
    const execution = executionOf(runId, holder);
    const result = execution.tail.then(() => commitIn(execution, runId, holder, write));
    execution.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async function commitIn<T>(
    execution: FencedExecution,
    runId: string,
    holder: RunHolder,
    write: (session: ClientSession) => Promise<T>,
  ): Promise<T> {
    const { session } = execution;
    if (!execution.registered) {
      // Before the first transaction: a reclaimer reads the session id here and aborts the session's open
      // transaction (`abortFencedSession`), which would otherwise hold the run document until the server's
      // transaction lifetime ends if this process dies between the fence and the commit.
      const registered = await runs.updateOne(
        { _id: runId, status: "running", lease_owner: holder.owner, attempt: holder.attempt },
        { $set: { fence_session: session.id?.id ?? null } },
      );
      if (registered.matchedCount === 0) throw new LeaseRefusedError(runId, holder.attempt);
      execution.registered = true;
    }
    for (let tries = 1; ; tries++) {
      session.startTransaction();
      try {
        const result = await write(session);
        // The fence last: the run document stays locked only from here to the commit. A reclaim that wrote the
        // run document after this transaction began still makes this update a write conflict: the fence holds
        // whatever the order.
        const now = new Date();
        const fenced = await runs.updateOne(
          {
            _id: runId,
            status: "running",
            lease_owner: holder.owner,
            attempt: holder.attempt,
            lease_expires_at: { $gt: now },
          },
          { $set: { fenced_at: now } },
          { session },
        );
        if (fenced.matchedCount === 0) throw new LeaseRefusedError(runId, holder.attempt);
        await session.commitTransaction();
        return result;
      } catch (error) {
        if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
        if (tries < CONFLICT_RETRIES && isWriteConflict(error)) continue;
        throw error;
      }
    }
  }

  function checkpointsIn(session: ClientSession): CheckpointStore {
    return createMongoCheckpointStore({
      checkpoints,
      session,
      ...(options.maxDocumentBytes !== undefined ? { maxDocumentBytes: options.maxDocumentBytes } : {}),
    });
  }

  return {
    checkpoints(runId, holder) {
      const put: CheckpointStore["put"] = async (input) => {
        try {
          return await commit(runId, holder, (s) => checkpointsIn(s).put(input));
        } catch (error) {
          // Unfenced, the child is stored and only the parent's writes are refused: the same here.
          if (error instanceof DocumentTooLargeError && error.outcome !== "nothing was written") {
            const { parentWrites: _, ...alone } = input;
            await commit(runId, holder, (s) => checkpointsIn(s).put(alone)).catch(() => undefined);
          }
          throw error;
        }
      };
      const putWrites: CheckpointStore["putWrites"] = (ref, writes) =>
        commit(runId, holder, (s) => checkpointsIn(s).putWrites(ref, writes));
      const oneByOne = async (batch: readonly StoreWrite[]) => {
        for (const w of batch) {
          if (w.kind === "put") await put(w.input);
          else await putWrites(w.ref, w.writes);
        }
      };
      return {
        getTuple: (query) => store.getTuple(query),
        list: (query) => store.list(query),
        put,
        putWrites,
        async writeBatch(batch) {
          if (batch.length === 0) return;
          try {
            await commit(runId, holder, (s) => checkpointsIn(s).writeBatch?.(batch) ?? Promise.resolve());
          } catch (error) {
            if (!(error instanceof Error) || error instanceof LeaseRefusedError || !isContractError(error))
              throw error;
            // The transaction stored nothing; the contract wants the writes before the failing one stored.
            await oneByOne(batch);
            throw error;
          }
        },
        deleteThread: (threadId) => store.deleteThread(threadId),
      };
    },

    async end(runId, holder) {
      const key = keyOf(runId, holder);
      const execution = executions.get(key);
      if (!execution) return;
      executions.delete(key);
      await execution.tail;
      await execution.session.endSession().catch(() => undefined);
    },

    events(runId, holder): RunEventStore {
      const base = events;
      return {
        // `id` is `runId`: the runtime appends only to the run it executes.
        async append(id, batch) {
          if (batch.length === 0) return;
          const expireAt = new Date(Date.now() + ttlMs);
          // Upserts that only insert: a retry after a lost answer finds its events there and changes nothing
          // (an insert's duplicate key would abort the transaction).
          await commit(runId, holder, (session) =>
            base.bulkWrite(
              batch.map((e) => ({
                updateOne: {
                  filter: { run_id: id, seq: e.seq },
                  update: {
                    $setOnInsert: {
                      run_id: id,
                      seq: e.seq,
                      event: e.event,
                      data: toStored(e.data),
                      expire_at: expireAt,
                    },
                  },
                  upsert: true,
                },
              })),
              { ordered: false, session },
            ),
          );
        },
        read: (id, afterSeq, limit) => eventStore.read(id, afterSeq, limit),
        lastSeq: (id) => eventStore.lastSeq(id),
        lastSeqs: (ids) => eventStore.lastSeqs(ids),
        deleteRuns: (ids) => eventStore.deleteRuns(ids),
      };
    },
  };
}

/** Errors of the checkpoint contract a replay one by one reproduces (not transport or server failures). */
function isContractError(error: Error): boolean {
  return (
    error.name === "CheckpointConflictError" ||
    error.name === "CheckpointNotFoundError" ||
    error.name === "CheckpointOrderError" ||
    error.name === "DocumentTooLargeError"
  );
}
