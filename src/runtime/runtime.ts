/**
 * The run runtime of one process (DESIGN.md "src/runtime"): creates runs in the shared queue with their
 * multitask strategy, executes the runs it holds (a worker pool for queued runs, plus runs a waiting or
 * streaming caller created here and that could start at once), answers waits/joins for runs executing anywhere,
 * cancels from any replica and shuts down gracefully (docs/api.md §5–§7).
 */
import { setMaxListeners } from "node:events";
import { RunNotFoundError } from "../store/errors.js";
import { type EnqueueInput, FINAL_RUN_STATUSES, type LoggedEvent } from "../store/queue-store.js";
import type { CancelAction, RunRecord } from "../store/records.js";
import { abortable, eitherSignal } from "./abort.js";
import { ShuttingDownError } from "./errors.js";
import { type ExecuteOptions, type Execution, executeRun } from "./execute.js";
import { createHeapRelief } from "./heap-relief.js";
import { graphIdOf } from "./metrics.js";
import { createRunHubs } from "./run-hubs.js";
import { type ThreadStreamCursor, type ThreadStreamEvent, threadEvents } from "./thread-stream.js";
import { RUNTIME_DEFAULTS, type RunFinished, type RunPlan, type RuntimeDeps } from "./types.js";
import { createWorkerPool } from "./workers.js";

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
  const { queue, settings, signals } = deps;
  const local = new Map<string, Execution>();
  // Aborted by `close` once the runs are given back: every wait and reader still open here then fails with
  // ShuttingDownError (503 / UNAVAILABLE), so its caller gets a complete answer and retries elsewhere.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal); // one listener per open wait or reader, by design (`eitherSignal`)

  function run(record: RunRecord, options: ExecuteOptions = {}): Execution {
    const plan = options.plan;
    const execution = executeRun(deps, record, options);
    local.set(record.runId, execution);
    execution.done.then(
      () => local.delete(record.runId),
      (error: unknown) => {
        local.delete(record.runId);
        if (!plan) deps.onError?.(error, record.runId);
      },
    );
    return execution;
  }

  const pool = createWorkerPool(
    deps,
    async (record) => {
      await run(record).done.catch(() => undefined);
    },
    () => [...local.keys()],
  );
  const unsubscribe = signals.onRunDocument((change) => {
    if (change.cancel) local.get(change.runId)?.stop(change.cancel);
    if (change.work) pool.nudge();
  });

  // Every local waiter of a run shares its hub: one status read per change, one log read per batch (docs/runs.md "Wake-ups").
  const hubs = createRunHubs({
    queue,
    events: deps.events,
    threads: deps.threads,
    signals,
    pollMs: settings.pollMs,
    ...(deps.onError ? { onError: (error: unknown) => deps.onError?.(error) } : {}),
  });
  let waiting = 0;
  const relief = createHeapRelief({
    threshold: settings.heapReliefWaiters ?? RUNTIME_DEFAULTS.heapReliefWaiters ?? 0,
  });
  /** Counts a waiter in (+1) or out (−1). */
  const wait = (delta: number) => {
    waiting += delta;
    relief.changed(waiting);
  };

  /** Waits for the end of `runId`: first for `here` (its execution in this process) when there is one. */
  async function waitFor(
    runId: string,
    callerSignal?: AbortSignal,
    here = local.get(runId)?.done,
  ): Promise<RunFinished> {
    const { signal, release } = eitherSignal(callerSignal, closing.signal);
    signal.throwIfAborted();
    wait(1);
    try {
      if (here) {
        const finished = await abortable(here, signal);
        if (finished) return finished;
      }
      // Executing elsewhere (or given up here): its end must come over the change stream, so it is watched.
      const held = hubs.acquire(runId);
      try {
        held.hub.watch();
        return await held.hub.finished(signal);
      } finally {
        held.release();
      }
    } finally {
      wait(-1);
      release();
    }
  }

  /** A pending run ended by a cancel (`interrupted`, or deleted for `rollback`): its graph is in its plan. */
  function reportPendingCancel(record: RunRecord): void {
    deps.resolve(record).then(
      (plan) => deps.metrics?.runEnded(graphIdOf(plan.metadata), "interrupted", undefined),
      () => deps.metrics?.runEnded(graphIdOf(undefined), "interrupted", undefined),
    );
  }

  /** One reader of the run's hub, counted in {@link RunRuntime.waiters} from its first pull until it ends or is closed. */
  async function* read(
    runId: string,
    afterSeq: number,
    signal: AbortSignal,
    release: () => void,
  ): AsyncGenerator<LoggedEvent> {
    wait(1);
    const held = hubs.acquire(runId);
    try {
      // A run executing here announces its end locally; one executing elsewhere must be watched (see `waitFor`).
      if (!local.has(runId)) held.hub.watch();
      yield* held.hub.read(afterSeq, signal);
    } finally {
      held.release();
      wait(-1);
      release();
    }
  }

  return {
    async submit(input) {
      const enqueued = await queue.enqueue({
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
        const execution = run(enqueued.run, {
          plan: input.plan,
          refusalRestores: enqueued.threadStatusBefore,
          threadHasNoCheckpoint: enqueued.threadHasNoCheckpoint,
        });
        return { run: enqueued.run, local: execution.done };
      }
      pool.nudge();
      return { run: enqueued.run, local: undefined };
    },

    waitFor: (runId, signal) => waitFor(runId, signal),

    waitForSubmitted: (submitted, signal) => waitFor(submitted.run.runId, signal, submitted.local),

    events(runId, afterSeq, callerSignal) {
      const { signal, release } = eitherSignal(callerSignal, closing.signal);
      return read(runId, afterSeq, signal, release);
    },

    async *threadEvents(threadId, cursor, callerSignal) {
      const { signal, release } = eitherSignal(callerSignal, closing.signal);
      let joined = false;
      try {
        yield* threadEvents(
          {
            runs: deps.runs,
            threads: deps.threads,
            signals,
            pollMs: settings.pollMs,
            lastSeq: (runId) => deps.events.lastSeq(runId),
            events: (runId, afterSeq, s) => read(runId, afterSeq, s, () => undefined),
          },
          threadId,
          cursor,
          signal,
          () => {
            joined = true;
            wait(1);
          },
        );
      } finally {
        if (joined) wait(-1);
        release();
      }
    },

    waiters: () => waiting,

    executing: () => local.size,

    lastSeq: (runId) => deps.events.lastSeq(runId),

    async cancel(runId, threadId, action, wait) {
      const before = await queue.requestCancel(runId, threadId, action);
      if (before.status === "pending" && deps.metrics) reportPendingCancel(before);
      // A pending run ends here and now (`interrupted`); a rolled-back one is gone and sends nothing.
      if (
        before.status === "pending" &&
        action === "interrupt" &&
        typeof before.kwargs.webhook === "string"
      ) {
        await deps.webhooks?.runEnded(runId).catch((e: unknown) => deps.onError?.(e, runId));
      }
      local.get(runId)?.stop(action);
      if (!wait || FINAL_RUN_STATUSES.includes(before.status)) return;
      await waitFor(runId).catch((error: unknown) => {
        if (!(error instanceof RunNotFoundError)) throw error;
      });
    },

    start: () => pool.start(),

    stopClaiming: () => pool.stop(),

    async close(deadlineMs) {
      // A claim answered after the stop is given back before `close` looks at what still executes.
      await pool.stop();
      unsubscribe();
      const all = () => Promise.all([...local.values()].map((e) => e.done.catch(() => undefined)));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      });
      await Promise.race([all(), deadline]);
      clearTimeout(timer);
      for (const execution of local.values()) execution.stop("shutdown");
      await all();
      closing.abort(new ShuttingDownError());
      hubs.close();
      relief.close();
      await signals.close();
    },
  };
}

/** The `traceparent` field of a new run, when the creating request is traced. */
function withTraceparent(traceparent: string | undefined): { traceparent?: string } {
  return traceparent ? { traceparent } : {};
}
