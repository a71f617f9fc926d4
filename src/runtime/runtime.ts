/**
 * The run runtime of one process (DESIGN.md "src/runtime"): creates runs in the shared queue with their
 * multitask strategy, executes the runs it holds (a worker pool for queued runs, plus runs a waiting or
 * streaming caller created here and that could start at once), answers waits/joins for runs executing anywhere,
 * cancels from any replica and shuts down gracefully (docs/api.md §5–§7).
 *
 * Assembled from `local-runs.ts` (the executions here), `run-waiters.ts` (waits, joins, event readers, thread
 * streams), `run-cancel.ts`, the worker pool (`workers.ts`) and the run hubs (`run-hubs.ts`).
 */
import { setMaxListeners } from "node:events";
import type { EnqueueInput, LoggedEvent } from "../store/queue-store.js";
import type { CancelAction, RunRecord } from "../store/records.js";
import { ShuttingDownError } from "./errors.js";
import { createLocalRuns, type LocalRuns } from "./local-runs.js";
import { graphIdOf } from "./metrics.js";
import { cancelRun } from "./run-cancel.js";
import { createRunHubs } from "./run-hubs.js";
import { createRunWaiters } from "./run-waiters.js";
import type { ThreadStreamCursor, ThreadStreamEvent } from "./thread-stream.js";
import type { RunFinished, RunPlan, RuntimeDeps } from "./types.js";
import { createWorkerPool, type WorkerPool } from "./workers.js";

/** What `submit` creates. */
export interface SubmitInput {
  run: Omit<EnqueueInput, "claimFor">;
  /** Execute here at once when the thread is free (a waiting or streaming caller); else the queue runs it. */
  plan?: RunPlan;
}

/** A created run. */
export interface Submitted {
  run: RunRecord;
  /**
   * Set when the run executes in this process: resolves when it ends (`undefined` if this process gave it up);
   * rejects with the engine's refusal (the run was deleted, nothing written).
   */
  local: Promise<RunFinished | undefined> | undefined;
}

/** The runtime. */
export interface RunRuntime {
  /** Creates a run (see `RunQueueStore.enqueue` for the errors). */
  submit(input: SubmitInput): Promise<Submitted>;
  /**
   * Resolves when the run has ended, wherever it executes. When `signal` aborts first (the caller's deadline or
   * disconnect), rejects with `signal.reason` at once and frees its wake-up; the run itself goes on.
   * @throws RunNotFoundError (also when rolled back); ShuttingDownError once `close` gave the runs back
   */
  waitFor(runId: string, signal?: AbortSignal): Promise<RunFinished>;
  /**
   * {@link RunRuntime.waitFor} for a run `submit` just returned: when it executes here, waits for that execution
   * (and rejects with the engine's refusal, see `Submitted.local`); `signal` as for `waitFor`.
   */
  waitForSubmitted(submitted: Submitted, signal?: AbortSignal): Promise<RunFinished>;
  /**
   * The run's logged events after `afterSeq` (−1: all), live until the run ends. When `signal` aborts, the
   * reader stops waiting and throws `signal.reason`; the run goes on.
   */
  events(runId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<LoggedEvent>;
  /**
   * The thread stream (`thread-stream.ts`, docs/api.md §7): the events of the thread's runs, run after run, until
   * `signal` aborts (then throws `signal.reason`) or the thread is deleted. Counted in `waiters` once joined.
   * @throws ThreadNotFoundError
   */
  threadEvents(
    threadId: string,
    cursor: ThreadStreamCursor | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<ThreadStreamEvent>;
  /** Waits (`waitFor`), event readers (`events`) and thread streams in progress here: back to 0 once every caller left. */
  waiters(): number;
  /** Runs executing in this process now (worker pool and runs started for a waiting or streaming caller). */
  executing(): number;
  /** The last logged seq of the run (−1 when none): a live join starts after it. */
  lastSeq(runId: string): Promise<number>;
  /**
   * Cancels a run (any replica): pending → ends now; running → its worker stops it (`interrupt` keeps its
   * steps, `rollback` deletes them and the run). With `wait`, resolves once it stopped.
   * @throws RunNotFoundError
   */
  cancel(runId: string, threadId: string, action: CancelAction, wait: boolean): Promise<void>;
  /** Starts the worker pool. */
  start(): void;
  /** Stops claiming queued runs (first step of a graceful shutdown); runs executing here go on. */
  stopClaiming(): void;
  /**
   * Stops claiming, lets the runs executing here end for up to `deadlineMs`, then stops the rest and gives
   * them back to the queue (another replica, or this one after a restart, resumes them). Then every wait, join
   * and event reader still open here fails with ShuttingDownError, so its caller gets a complete answer.
   */
  close(deadlineMs: number): Promise<void>;
}

/** Creates the runtime. */
export function createRunRuntime(deps: RuntimeDeps): RunRuntime {
  const { signals, settings } = deps;
  const local = createLocalRuns(deps);
  // Aborted by `close` once the runs are given back: every wait and reader still open here then fails with
  // ShuttingDownError (503 / UNAVAILABLE), so its caller gets a complete answer and retries elsewhere.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal); // one listener per open wait or reader, by design (`eitherSignal`)

  const pool = createWorkerPool(
    deps,
    async (record) => {
      await local.execute(record).done.catch(() => undefined);
    },
    () => local.ids(),
  );
  const unsubscribe = signals.onRunDocument((change) => {
    if (change.cancel) local.get(change.runId)?.stop(change.cancel);
    if (change.work) pool.nudge();
  });

  // Every local waiter of a run shares its hub: one status read per change, one log read per batch (docs/runs.md "Wake-ups").
  const hubs = createRunHubs({
    queue: deps.queue,
    events: deps.events,
    threads: deps.threads,
    signals,
    pollMs: settings.pollMs,
    ...(deps.onError ? { onError: (error: unknown) => deps.onError?.(error) } : {}),
  });
  const waiters = createRunWaiters({ deps, local, hubs, closing: closing.signal });

  return {
    submit: (input) => submit(deps, local, pool, input),

    waitFor: (runId, signal) => waiters.waitFor(runId, signal),

    waitForSubmitted: (submitted, signal) => waiters.waitFor(submitted.run.runId, signal, submitted.local),

    events: (runId, afterSeq, signal) => waiters.events(runId, afterSeq, signal),

    threadEvents: (threadId, cursor, signal) => waiters.threadEvents(threadId, cursor, signal),

    waiters: () => waiters.count(),

    executing: () => local.size(),

    lastSeq: (runId) => deps.events.lastSeq(runId),

    cancel: (runId, threadId, action, wait) =>
      cancelRun(deps, local, waiters, { runId, threadId, action, wait }),

    start: () => pool.start(),

    stopClaiming: () => pool.stop(),

    async close(deadlineMs) {
      // A claim answered after the stop is given back before `close` looks at what still executes.
      await pool.stop();
      unsubscribe();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      });
      await Promise.race([local.settled(), deadline]);
      clearTimeout(timer);
      local.stopAll("shutdown");
      await local.settled();
      closing.abort(new ShuttingDownError());
      hubs.close();
      waiters.close();
      await signals.close();
    },
  };
}

/**
 * `RunRuntime.submit`: enqueues the run (claimed for this process when the caller has its plan), asks the runs an
 * `interrupt`/`rollback` strategy cancelled to stop when they execute here, and executes the run here at once
 * when it was created `running`; otherwise nudges the worker pool.
 * @throws the errors of `RunQueueStore.enqueue`
 */
async function submit(
  deps: RuntimeDeps,
  local: LocalRuns,
  pool: WorkerPool,
  input: SubmitInput,
): Promise<Submitted> {
  const { settings } = deps;
  const enqueued = await deps.queue.enqueue({
    ...input.run,
    ...withTraceparent(deps.tracing?.traceparent()),
    ...(input.plan ? { claimFor: { owner: settings.owner, leaseMs: settings.leaseMs } } : {}),
  });
  deps.metrics?.runCreated(graphIdOf(input.run.threadMetadata));
  const strategy = input.run.multitaskStrategy;
  if (strategy === "interrupt" || strategy === "rollback") {
    for (const id of enqueued.cancelRequested) local.get(id)?.stop(strategy);
  }
  if (enqueued.run.status === "running" && input.plan) {
    const execution = local.execute(enqueued.run, {
      plan: input.plan,
      refusalRestores: enqueued.threadStatusBefore,
      threadHasNoCheckpoint: enqueued.threadHasNoCheckpoint,
    });
    return { run: enqueued.run, local: execution.done };
  }
  pool.nudge();
  return { run: enqueued.run, local: undefined };
}

/** The `traceparent` field of a new run, when the creating request is traced. */
function withTraceparent(traceparent: string | undefined): { traceparent?: string } {
  return traceparent ? { traceparent } : {};
}
