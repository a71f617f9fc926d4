/**
 * Storage interfaces the run runtime needs (owned here, implemented by `src/store/mongo/run-queue.ts` and
 * `run-events.ts`, and in memory by `src/store/memory/`), in the way the engine owns `CheckpointStore`. Every
 * method is one atomic step on the shared database, so any number of Loom processes can share one queue
 * (docs/api.md §5 multitask, docs/api.md §7 resumable streams).
 */
import type { CheckpointStore, JsonObject, JsonValue } from "../engine/index.js";
import type {
  CancelAction,
  MultitaskStrategy,
  NewRun,
  RunRecord,
  RunStatus,
  ThreadStateUpdate,
  ThreadStatus,
} from "./records.js";

/** What `enqueue` creates: a run, with the multitask strategy to apply on a busy thread. */
export interface EnqueueInput extends NewRun {
  multitaskStrategy: MultitaskStrategy;
  /** Metadata keys set on the thread in the same write (`graph_id`, `assistant_id`, docs/api.md §4). */
  threadMetadata?: JsonObject;
  /**
   * Claim the run for this worker at once (status `running`, leased for `leaseMs`) when the thread has no other
   * active run; otherwise it is stored `pending` for the queue. Ignored for a delayed run.
   */
  claimFor?: { owner: string; leaseMs: number };
}

/** Result of `enqueue`. */
export interface Enqueued {
  run: RunRecord;
  /** The thread's status before this run made it busy (to restore it when the engine refuses the run). */
  threadStatusBefore: ThreadStatus;
  /** Running runs of the thread asked to stop (multitask `interrupt`/`rollback`). */
  cancelRequested: string[];
  /**
   * The thread provably had no checkpoint when this run was created: no run was ever created on it and nothing
   * else wrote to it (`ThreadStore.beginCheckpointWrite`). The run may then start without reading the head.
   */
  threadHasNoCheckpoint: boolean;
}

/**
 * Who holds a running run: the worker (`lease_owner`) and the attempt it executes. Writes that renew, end or give
 * back a run are fenced on both, so an execution that lost its run — to another worker, or to this same worker
 * reclaiming it after a pause longer than the lease (`attempt + 1`) — writes nothing.
 */
export interface RunHolder {
  owner: string;
  attempt: number;
}

/**
 * The lease fence (docs/runs.md "Leases"): the writes of one execution of a run, each committed only while its
 * holder still holds the run — `running`, same `lease_owner` and `attempt` (the lease epoch: every reclaim
 * increments it), lease not expired — checked by the database in the same atomic commit as the write. A refused
 * write stores nothing and rejects with `LeaseRefusedError`, so an execution that lost its run (to another worker,
 * or to this one after a pause) can never commit a step, a pending write or an event after the new owner started.
 */
export interface LeaseFence {
  /**
   * The checkpoint store as seen by the execution of `holder`: reads as usual; `put`, `putWrites` and `writeBatch`
   * fenced, with the engine contract's outcomes otherwise (`CheckpointStore`, test/contract). `deleteThread` is
   * not a step write and passes through.
   */
  checkpoints(runId: string, holder: RunHolder): CheckpointStore;
  /** The run's event log as seen by the execution of `holder`: `append` fenced, reads as usual. */
  events(runId: string, holder: RunHolder): RunEventStore;
  /**
   * The execution of `holder` has ended: resolves once its last write has settled and what the fence held for it
   * (a database session) is given back. Never rejects.
   */
  end(runId: string, holder: RunHolder): Promise<void>;
}

/** The run queue on the shared database. */
export interface RunQueueStore {
  /**
   * Creates a run atomically with the strategy: `reject` fails when the thread has a pending/running run
   * (ThreadBusyError, 409); `enqueue` queues behind them; `interrupt` ends pending ones `interrupted` and asks
   * running ones to stop; `rollback` deletes pending ones and asks running ones to stop and roll back.
   * @throws ThreadNotFoundError, ThreadBusyError, RunExistsError
   */
  enqueue(input: EnqueueInput): Promise<Enqueued>;
  /**
   * Claims one run for `owner` with a lease of `leaseMs`: the oldest available `pending` run whose thread has no
   * running run (at most one running run per thread, enforced by a unique index). `null` when none.
   */
  claimPending(owner: string, leaseMs: number): Promise<RunRecord | null>;
  /**
   * Claims one `running` run whose lease expired (its worker died), incrementing `attempt`. `null` when none.
   */
  claimExpired(owner: string, leaseMs: number): Promise<RunRecord | null>;
  /**
   * Claims one `running` run leased to `owner` itself that this process is not executing (`notIn`) and whose lease
   * was last written more than `idleMs` ago, incrementing `attempt`: a claim whose answer was lost (the database
   * went away after applying it), which would otherwise wait for its lease to expire. `null` when none.
   */
  claimOrphaned(
    owner: string,
    leaseMs: number,
    notIn: readonly string[],
    idleMs: number,
  ): Promise<RunRecord | null>;
  /** Extends the lease; `null` when `holder` no longer holds the run (lost lease, reclaimed, ended or deleted). */
  renew(runId: string, holder: RunHolder, leaseMs: number): Promise<RunRecord | null>;
  /**
   * Ends a run `holder` holds (`null`: any active run, e.g. a pending one cancelled): final `status`, the wait body
   * `output`, and `thread` applied to its thread (kept `busy` while another run of the thread is active). Returns
   * the run and how many runs of the thread are still pending or running; `null` (nothing written) when `holder`
   * lost the run.
   */
  finish(
    runId: string,
    holder: RunHolder | null,
    status: RunStatus,
    thread: ThreadStateUpdate,
    output: JsonObject | null,
  ): Promise<{ run: RunRecord; threadActiveRuns: number } | null>;
  /**
   * Announces that a process other than the one executing the run waits for its end (a join, a queued wait, a
   * stream read on another replica): the end of a watched run is written with `end_watched: true`, which the change
   * stream passes on; an unwatched run's end (a wait answered by the process that ran it) is not broadcast.
   * Call it before re-reading the run's status, so no end is missed. A missing run is ignored.
   */
  watch(runId: string): Promise<void>;
  /** Gives a running run `holder` holds back to the queue (`pending`, no lease, same attempt), e.g. on shutdown. */
  release(runId: string, holder: RunHolder): Promise<void>;
  /**
   * Cancels a run: a pending one ends at once (`interrupted`; deleted for `rollback`); a running one gets
   * `cancel_requested` for its worker. Returns the run as it was before.
   * @throws RunNotFoundError
   */
  requestCancel(runId: string, threadId: string, action: CancelAction): Promise<RunRecord>;
  /** Whether the run already wrote a checkpoint on its thread (a reclaimed run then resumes from the head). */
  hasCheckpoint(threadId: string, runId: string): Promise<boolean>;
  /**
   * Rolls a run's writes back (multitask/cancel `rollback`): deletes the checkpoints it wrote and removes `writes`,
   * the pending writes it added to older checkpoints (e.g. a resume value on the thread's head).
   */
  deleteRunCheckpoints(threadId: string, runId: string, writes?: readonly WriteRef[]): Promise<void>;
  /**
   * The status of each of `runIds` that exists, in one query (the runtime's fallback poll while the change stream
   * is down, `run-hubs.ts`); a missing run has no entry.
   */
  statuses(runIds: readonly string[]): Promise<Map<string, RunStatus>>;
  /** The wait body stored when the run finished, or `null`. @throws RunNotFoundError */
  output(runId: string): Promise<{ run: RunRecord; output: JsonObject | null }>;
  /** Runs waiting in the queue (`pending`, delayed ones included), all replicas: the queue depth for metrics. */
  countPending(): Promise<number>;
}

/** A pending write a run stored: which checkpoint (namespace, id) and which `(taskId, idx)`. */
export interface WriteRef {
  checkpointNs: string;
  checkpointId: string;
  taskId: string;
  idx: number;
}

/** One event of a run's stream as logged: SSE `event`, `data`, and its sequence number (the SSE `id`). */
export interface LoggedEvent {
  seq: number;
  event: string;
  data: JsonValue;
}

/** The run event log (collection `run_events`, keyed `(run_id, seq)`, expired by TTL). */
export interface RunEventStore {
  /** Appends events (seqs chosen by the single writer: the run's worker). Duplicates of a seq are ignored. */
  append(runId: string, events: readonly LoggedEvent[]): Promise<void>;
  /** Up to `limit` events with `seq > afterSeq`, in order. */
  read(runId: string, afterSeq: number, limit: number): Promise<LoggedEvent[]>;
  /** The highest seq logged for the run, or −1. */
  lastSeq(runId: string): Promise<number>;
  /**
   * The highest seq logged for each of `runIds`, in one query (the fallback poll, `run-hubs.ts`); a run that
   * logged nothing has no entry.
   */
  lastSeqs(runIds: readonly string[]): Promise<Map<string, number>>;
  /** Removes every event of `runIds` (their threads were deleted, e.g. with an assistant's `delete_threads`). */
  deleteRuns(runIds: readonly string[]): Promise<void>;
}

/** Statuses after which a run never changes again. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ["success", "error", "timeout", "interrupted"];
