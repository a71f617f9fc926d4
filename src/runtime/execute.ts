/**
 * Executes one run this process holds the lease of, to its single outcome:
 * - renews the lease every third of `leaseMs`; a renewal that finds the run gone or owned by another worker
 *   stops the run without writing anything more (the new owner finishes it); one that finds `cancel_requested`
 *   stops it as cancelled;
 * - a run that already wrote checkpoints (a reclaimed or released run) resumes from the thread's head with
 *   `input: null`, so finished tasks of an interrupted step keep their pending writes and are not re-run
 *   (docs/semantics.md §1.14); otherwise it starts from its request, except that a reclaimed Command run whose
 *   writes are already on its base does not apply its `update`/`goto` again (`command-mark.ts`);
 * - logs stream events (when the run asks for them) and stores them all before ending the run;
 * - a checkpoint `put` refused by the run fence (another attempt of the run wrote that step first, docs/runs.md "Leases")
 *   stops an execution that lost its lease without writing anything more; the owner continues from the new head;
 * - ends the run once (fenced on the lease): `success`/`error`/`interrupted`, or for a `rollback` cancel deletes
 *   the run and its checkpoints; on shutdown gives it back to the queue;
 * - retries every store call through a transient database failure (`RuntimeDeps.isTransient`) while the lease
 *   holds as far as this process knows (the end of the last lease it wrote); once it lapses the execution gives the
 *   run up (stop "lost"), and a worker reclaims it with `attempt + 1` (`outage-retry.ts`, docs/runs.md "MongoDB
 *   outages"). Only the graph's own error or `LOOM_MAX_ATTEMPTS` end a run `error`.
 */
import {
  CheckpointNotFoundError,
  GraphAbortedError,
  InvalidUpdateError,
  interruptJson,
  type JsonObject,
  MultipleInterruptsError,
  NodeNotFoundError,
  type RunResult,
} from "../engine/index.js";
import { LeaseRefusedError, ThreadNotFoundError } from "../store/errors.js";
import type { RunEventStore, WriteRef } from "../store/queue-store.js";
import type { RunRecord, RunStatus, ThreadStateUpdate, ThreadStatus } from "../store/records.js";
import { markCommandWrites, reclaimedCommandOptions } from "./command-mark.js";
import { skipFirstHeadRead } from "./empty-thread.js";
import { createEventWriter, type EventWriter, firstEventSeq } from "./event-log.js";
import { fencedCheckpoints, LeaseLostError } from "./guards.js";
import { graphIdOf, UNKNOWN_GRAPH } from "./metrics.js";
import { createOutageRetry, leaseMarginMs, type OutageRetry } from "./outage-retry.js";
import { errorJson, runStatusFor, threadUpdateFor, waitBodyFor } from "./outcome.js";
import type { RunFinished, RunPlan, RuntimeDeps } from "./types.js";

/** Why a run was stopped before its end. */
export type StopReason = "interrupt" | "rollback" | "lost" | "shutdown";

/** A run executing here. */
export interface Execution {
  /** Resolves with the outcome, or `undefined` when this process gave the run up (lost lease, shutdown). */
  done: Promise<RunFinished | undefined>;
  stop(reason: StopReason): void;
}

/** Options of {@link executeRun}. */
export interface ExecuteOptions {
  /** The plan, when the caller has it (the run was just created here); else resolved from the run. */
  plan?: RunPlan;
  /** Set when the run was just created for a waiting caller: an engine refusal then deletes the run, restores
   * this thread status and rejects `done` (the request gets a 4xx, nothing written). Else a refusal fails the run. */
  refusalRestores?: ThreadStatus;
  /** The thread had no checkpoint when the run was created (`Enqueued.threadHasNoCheckpoint`): skip the head read. */
  threadHasNoCheckpoint?: boolean;
}

/** Starts executing `run` (held by `deps.settings.owner`). */
export function executeRun(deps: RuntimeDeps, run: RunRecord, options: ExecuteOptions = {}): Execution {
  const abort = new AbortController();
  let reason: StopReason | undefined;
  const stop = (r: StopReason) => {
    reason ??= r;
    abort.abort();
  };
  if (run.cancelRequested) stop(run.cancelRequested);
  const { leaseMs, owner } = deps.settings;
  const report: Report = {
    graphId: graphIdOf(options.plan?.metadata),
    startedMs: performance.now(),
    startedAt: new Date(),
  };
  deps.metrics?.runStarted(
    run.attempt === 1 ? Math.max(0, Date.now() - run.availableAt.getTime()) / 1000 : undefined,
  );
  // The lease as far as this process knows: the claim's, then each renewal's (sent at `sentAt`, the store computes
  // the new expiry from its caller's clock at that moment or later).
  let leaseExpiresAt = run.leaseExpiresAt?.getTime() ?? Date.now() + leaseMs;
  const isTransient = deps.isTransient ?? (() => false);
  const marginMs = leaseMarginMs(leaseMs);
  // Whether renewals are failing: one was refused with an error, or the renewals of the last two ticks are both
  // unanswered (the database is cut off: the driver waits for a server). Only then may this execution give the run up
  // on its own clock. A renewal that is merely late because the event loop was busy is not counted: its answer is
  // read in the poll phase before the next tick, so two ticks never both see it unanswered.
  let renewalFailed = false;
  let unanswered = 0;
  const heartbeat = setInterval(
    () => {
      // Renewals failed until the lease is about to lapse: stop the nodes now (the signal), before any other worker
      // may reclaim the run; nothing more is started or written (the fence refuses it anyway).
      const failing = renewalFailed || unanswered >= 2;
      if (reason === undefined && failing && Date.now() >= leaseExpiresAt - marginMs) {
        stop("lost");
        deps.onOutage?.(
          "gave up",
          new LeaseLostError("the lease lapsed before it could be renewed"),
          run.runId,
        );
        return;
      }
      const sentAt = Date.now();
      unanswered++;
      deps.queue.renew(run.runId, { owner, attempt: run.attempt }, leaseMs).then(
        (r) => {
          renewalFailed = false;
          unanswered = 0;
          // Gone, reclaimed by another worker, or by this one after a long pause (attempt + 1).
          if (r === null) stop("lost");
          else {
            leaseExpiresAt = Math.max(leaseExpiresAt, sentAt + leaseMs);
            if (r.cancelRequested) stop(r.cancelRequested);
          }
        },
        (error: unknown) => {
          renewalFailed = true;
          unanswered = 0;
          // An outage is expected to pass; the store calls of the run wait for it (`outage-retry.ts`).
          if (!isTransient(error)) deps.onError?.(error, run.runId);
        },
      );
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  const retrying = createOutageRetry({
    isTransient,
    leaseExpiresAt: () => leaseExpiresAt,
    marginMs,
    onLapse: () => stop("lost"),
    lost: () => reason === "lost",
    onRetry: (error, attempt) => {
      if (attempt === 0) deps.onOutage?.("retrying", error, run.runId);
    },
  });
  const executing = () =>
    execute(
      deps,
      run,
      options,
      abort.signal,
      () => reason,
      report,
      retrying,
      () => stop("lost"),
    );
  const done = (deps.tracing ? deps.tracing.execution(run, executing) : executing()).finally(async () => {
    clearInterval(heartbeat);
    await deps.fence?.end(run.runId, { owner: deps.settings.owner, attempt: run.attempt });
    deps.signals.notify({ runId: run.runId, runDocument: true });
  });
  return { done, stop };
}

/** What an execution tells `RunMetrics.runEnded`: its graph (once the plan is known) and when it started. */
interface Report {
  graphId: string;
  /** `performance.now()` at the start of the execution. */
  startedMs: number;
  /** Wall-clock start of the execution (a webhook's `run_started_at`). */
  startedAt: Date;
}

/** Times an execution continues from the head after losing a checkpoint race before it fails the run. */
const MAX_RACES = 3;

/** Whether this execution still holds the run: same owner and same attempt (renews the lease). */
async function holdsLease(deps: RuntimeDeps, run: RunRecord, retrying: OutageRetry): Promise<boolean> {
  const { owner, leaseMs } = deps.settings;
  const held = await retrying(() =>
    deps.queue.renew(run.runId, { owner, attempt: run.attempt }, leaseMs),
  ).catch(() => null);
  return held !== null;
}

/**
 * Ends the run (fenced; retried through an outage while the lease holds). `null` when this execution lost the run
 * or its lease lapsed before the end could be written: the run stays `running`, and the worker that reclaims it
 * resumes from the head, where nothing is left to run, and ends it. When runs are queued behind it on its thread,
 * wakes the local workers.
 */
async function finishRun(
  deps: RuntimeDeps,
  run: RunRecord,
  retrying: OutageRetry,
  status: RunStatus,
  thread: ThreadStateUpdate,
  output: JsonObject,
  report: Report,
): Promise<{ run: RunRecord } | null> {
  const holder = { owner: deps.settings.owner, attempt: run.attempt };
  const ended = await retrying(() => deps.queue.finish(run.runId, holder, status, thread, output)).catch(
    (error: unknown) => {
      if (error instanceof LeaseLostError) return null;
      throw error;
    },
  );
  if (ended) {
    deps.metrics?.runEnded(report.graphId, status, (performance.now() - report.startedMs) / 1000);
    if (ended.threadActiveRuns > 0) deps.signals.notify({ runId: run.runId, runDocument: true, work: true });
    // Claimed before anything deletes the run (a rollback, a stateless run's thread); delivered in the background.
    if (typeof run.kwargs.webhook === "string" && deps.webhooks) {
      await deps.webhooks
        .runEnded(run.runId, report.startedAt)
        .catch((e: unknown) => deps.onError?.(e, run.runId));
    }
  }
  return ended;
}

function isRefusal(error: unknown): boolean {
  return (
    error instanceof CheckpointNotFoundError ||
    error instanceof MultipleInterruptsError ||
    error instanceof InvalidUpdateError ||
    error instanceof NodeNotFoundError
  );
}

async function execute(
  deps: RuntimeDeps,
  run: RunRecord,
  options: ExecuteOptions,
  signal: AbortSignal,
  reason: () => StopReason | undefined,
  report: Report,
  retrying: OutageRetry,
  stopLost: () => void,
): Promise<RunFinished | undefined> {
  const { queue, settings } = deps;
  const fresh = options.plan !== undefined;
  const holder = { owner: settings.owner, attempt: run.attempt };
  // The lease fence: every step write commits only while this execution holds the run (docs/runs.md "Leases").
  const lose = (error: LeaseRefusedError) => {
    if (reason() === undefined) deps.onOutage?.("gave up", error, run.runId);
    stopLost();
  };
  const checkpoints = deps.fence ? deps.fence.checkpoints(run.runId, holder) : deps.checkpoints;
  const events = deps.fence ? refusalStops(deps.fence.events(run.runId, holder), lose) : deps.events;
  let log: EventWriter | undefined;
  const fail = async (error: Error): Promise<RunFinished | undefined> => {
    // The database, not the run, failed (the lease lapsed during an outage, or a call outside the retries): give
    // the run up; it is reclaimed with attempt + 1 and resumes from its last checkpoint.
    if (error instanceof LeaseLostError || deps.isTransient?.(error)) {
      deps.onOutage?.("gave up", error, run.runId);
      await log?.flush();
      return undefined;
    }
    log?.publish("error", errorJson(error));
    await log?.flush();
    const body = { __error__: errorJson(error) };
    const ended = await finishRun(
      deps,
      run,
      retrying,
      "error",
      { status: "error", error: errorJson(error) },
      body,
      report,
    );
    return ended ? { run: ended.run, waitBody: body } : undefined;
  };
  if (run.attempt > settings.maxAttempts) {
    const error = new Error(
      `Run ${run.runId} was abandoned by its worker ${run.attempt - 1} times (LOOM_MAX_ATTEMPTS=${settings.maxAttempts}); giving up.`,
    );
    error.name = "RunAttemptsExceeded";
    return fail(error);
  }
  let plan: RunPlan;
  let resume = false;
  try {
    plan = options.plan ?? (await retrying(() => deps.resolve(run)));
    if (report.graphId === UNKNOWN_GRAPH) report.graphId = graphIdOf(plan.metadata);
    if (run.logEvents) {
      const firstSeq = fresh
        ? 0
        : firstEventSeq(await retrying(() => deps.events.lastSeq(run.runId)), run.attempt);
      log = createEventWriter({
        events,
        signals: deps.signals,
        runId: run.runId,
        firstSeq,
        retrying,
        onError: (e) => deps.onError?.(e, run.runId),
      });
      log.publish("metadata", { run_id: run.runId, attempt: run.attempt });
    }
    resume = !fresh && (await retrying(() => queue.hasCheckpoint(run.threadId, run.runId)));
  } catch (error) {
    return fail(error instanceof Error ? error : new Error(String(error)));
  }
  const continueOptions = { ...plan.options, input: undefined, command: undefined, checkpointId: undefined };
  let engineOptions = resume ? continueOptions : plan.options;
  if (!fresh && !resume) {
    // A reclaimed Command run whose writes the crashed attempt saved: not applied twice (command-mark.ts).
    try {
      engineOptions = await retrying(() =>
        reclaimedCommandOptions(deps.checkpoints, run.threadId, run.runId, plan.options),
      );
    } catch (error) {
      return fail(error instanceof Error ? error : new Error(String(error)));
    }
  }
  /** Pending writes this execution stored, for a `rollback` (a crashed attempt's writes are not known). */
  const written: WriteRef[] = [];
  let result: RunResult | undefined;
  let lostRaces = 0;
  for (let first = true; ; first = false) {
    const store = fencedCheckpoints(
      checkpoints,
      () => reason() === "lost",
      (refs) => written.push(...refs),
      retrying,
      lose,
    );
    let thrown: { error: unknown } | undefined;
    try {
      const writer = log;
      const marked = markCommandWrites(store, run.runId);
      // Only the first execution of a fresh run: a race lost below means the thread has a head now.
      const engineStore =
        fresh && first && options.threadHasNoCheckpoint ? skipFirstHeadRead(marked, run.threadId) : marked;
      result = await plan.graph.run(engineStore, {
        ...engineOptions,
        threadId: run.threadId,
        metadata: { ...plan.metadata, run_id: run.runId, thread_id: run.threadId, run_attempt: run.attempt },
        signal,
        ...(deps.tracing ? { tracer: deps.tracing.engine } : {}),
        ...(deps.items ? { store: deps.items } : {}),
        // A subgraph's events are named `<mode>|<namespace>`, as LangGraph's servers name them (docs/api.md §7).
        ...(writer ? { onEvent: (e) => writer.publish(e.ns ? `${e.mode}|${e.ns}` : e.mode, e.data) } : {}),
      });
    } catch (error) {
      thrown = { error };
    }
    if (reason() === "lost") {
      if (thrown?.error instanceof LeaseLostError) deps.onOutage?.("gave up", thrown.error, run.runId);
      return undefined; // the new owner finishes the run
    }
    if (store.conflicted()) {
      // Another attempt of this run wrote a child of our parent first (the run fence): a stale attempt stops
      // here without writing anything more; the owner continues from the new head.
      if (!(await holdsLease(deps, run, retrying))) {
        if (thrown) deps.onOutage?.("gave up", thrown.error, run.runId);
        return undefined;
      }
      // A conflict on the retry of a write sent during an outage is most likely with that write itself.
      if (!store.conflictedOnRetry()) lostRaces++;
      if (lostRaces < MAX_RACES && reason() === undefined) {
        engineOptions = continueOptions;
        continue;
      }
    }
    if (thrown) {
      const { error } = thrown;
      if (options.refusalRestores !== undefined && isRefusal(error) && reason() === undefined) {
        await deps.runs.delete(run.runId, run.threadId).catch(() => undefined);
        await deps.threads
          .updateState(run.threadId, { status: options.refusalRestores })
          .catch(() => undefined);
        await log?.flush();
        throw error;
      }
      return fail(error instanceof Error ? error : new Error(String(error)));
    }
    break;
  }
  if (!result) return undefined;
  const why = reason();
  if (why === "lost") return undefined;
  if (why === "shutdown" && result.error instanceof GraphAbortedError) {
    await log?.flush();
    await retrying(() => queue.release(run.runId, { owner: settings.owner, attempt: run.attempt })).catch(
      (error: unknown) => {
        if (!(error instanceof LeaseLostError)) throw error;
      },
    );
    return undefined;
  }
  if (why === "rollback" && result.error instanceof GraphAbortedError)
    return rollBack(deps, run, plan, log, written, report, retrying);
  if (result.status === "error" && !(result.error instanceof GraphAbortedError)) {
    log?.publish("error", errorJson(result.error));
  }
  // A static breakpoint names no interrupt; the thread still lists the paused tasks (one read, only then).
  const paused =
    result.status === "paused" && result.interrupts.length === 0
      ? (await retrying(() => plan.graph.getState(deps.checkpoints, { threadId: run.threadId }))).tasks.map(
          (t) => t.id,
        )
      : [];
  await log?.flush();
  if (reason() === "lost") return undefined;
  const body = waitBodyFor(result);
  const ended = await finishRun(
    deps,
    run,
    retrying,
    runStatusFor(result),
    threadUpdateFor(result, paused),
    body,
    report,
  );
  if (!ended) return undefined;
  if (plan.deleteThreadAfter) await deleteThread(deps, run.threadId);
  return { run: ended.run, waitBody: body };
}

/** `events` whose refused `append` (the lease fence) calls `onRefused` first, e.g. to stop the execution at once. */
function refusalStops(events: RunEventStore, onRefused: (error: LeaseRefusedError) => void): RunEventStore {
  return {
    ...events,
    append: (runId, batch) =>
      events.append(runId, batch).catch((error: unknown) => {
        if (error instanceof LeaseRefusedError) onRefused(error);
        throw error;
      }),
  };
}

/** `rollback`: the run's checkpoints and the run go; the thread shows its head again. */
async function rollBack(
  deps: RuntimeDeps,
  run: RunRecord,
  plan: RunPlan,
  log: EventWriter | undefined,
  written: readonly WriteRef[],
  report: Report,
  retrying: OutageRetry,
): Promise<RunFinished | undefined> {
  await log?.flush();
  await retrying(() => deps.queue.deleteRunCheckpoints(run.threadId, run.runId, written));
  const state = await retrying(() => plan.graph.getState(deps.checkpoints, { threadId: run.threadId }));
  const ended = await finishRun(
    deps,
    run,
    retrying,
    "interrupted",
    {
      status: state.next.length > 0 ? "interrupted" : "idle",
      values: state.checkpoint ? (state.values as JsonObject) : null,
      // The head's pending tasks with their interrupts (`[]` for a static breakpoint), as after any run.
      interrupts: Object.fromEntries(
        state.next.length > 0 ? state.tasks.map((t) => [t.id, t.interrupts.map(interruptJson)]) : [],
      ),
      error: null,
    },
    {},
    report,
  );
  if (!ended) return undefined;
  await deps.runs.delete(run.runId, run.threadId).catch(() => undefined);
  if (plan.deleteThreadAfter) await deleteThread(deps, run.threadId);
  return { run: ended.run, waitBody: {} };
}

/** Removes a stateless run's temporary thread with its runs and checkpoints; gone already is fine. */
async function deleteThread(deps: RuntimeDeps, threadId: string): Promise<void> {
  await deps.threads.delete(threadId).catch((error: unknown) => {
    if (!(error instanceof ThreadNotFoundError)) throw error;
  });
}
