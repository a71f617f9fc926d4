/**
 * The callers waiting here on runs executing anywhere (docs/api.md §6–§7, docs/runs.md "Wake-ups"): waits and joins
 * for a run's end, readers of a run's event log, and thread streams. Every local waiter of a run shares its hub
 * (`run-hubs.ts`); each is counted in {@link RunWaiters.count} while it waits, and each fails with `closing`'s
 * reason (ShuttingDownError) once the runtime has given its runs back.
 */
import type { LoggedEvent } from "../store/queue-store.js";
import { abortable, eitherSignal } from "./abort.js";
import { createHeapRelief } from "./heap-relief.js";
import type { LocalRuns } from "./local-runs.js";
import type { RunHubs } from "./run-hubs.js";
import { type ThreadStreamCursor, type ThreadStreamEvent, threadEvents } from "./thread-stream.js";
import { RUNTIME_DEFAULTS, type RunFinished, type RuntimeDeps } from "./types.js";

/** What the waiters need: the runtime's deps, its executions and hubs, and the signal `close` aborts. */
export interface RunWaitersDeps {
  deps: RuntimeDeps;
  local: LocalRuns;
  hubs: RunHubs;
  closing: AbortSignal;
}

/** The waits, event readers and thread streams of this process (see `RunRuntime`). */
export interface RunWaiters {
  /**
   * Resolves when `runId` has ended: first through `here` (its execution in this process, by default the one
   * executing now) when there is one, else over its hub. Rejects with the caller's `signal.reason` or with
   * ShuttingDownError.
   */
  waitFor(runId: string, signal?: AbortSignal, here?: Promise<RunFinished | undefined>): Promise<RunFinished>;
  /** The run's logged events after `afterSeq` (−1: all), live until it ends (`RunRuntime.events`). */
  events(runId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<LoggedEvent>;
  /** The thread stream of `threadId` (`RunRuntime.threadEvents`), counted once joined. */
  threadEvents(
    threadId: string,
    cursor: ThreadStreamCursor | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<ThreadStreamEvent>;
  /** Waiters in progress here now. */
  count(): number;
  /** Cancels a scheduled heap relief (the runtime's `close`). */
  close(): void;
}

/** Creates the waiters over the runtime's executions and hubs. */
export function createRunWaiters({ deps, local, hubs, closing }: RunWaitersDeps): RunWaiters {
  let waiting = 0;
  const relief = createHeapRelief({
    threshold: deps.settings.heapReliefWaiters ?? RUNTIME_DEFAULTS.heapReliefWaiters ?? 0,
  });
  /** Counts a waiter in (+1) or out (−1); a burst of them, once still, calls for a heap relief. */
  const wait = (delta: number) => {
    waiting += delta;
    relief.changed(waiting);
  };

  async function waitFor(
    runId: string,
    callerSignal?: AbortSignal,
    here = local.get(runId)?.done,
  ): Promise<RunFinished> {
    const { signal, release } = eitherSignal(callerSignal, closing);
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

  /** One reader of the run's hub, counted from its first pull until it ends or is closed. */
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
      if (!local.get(runId)) held.hub.watch();
      yield* held.hub.read(afterSeq, signal);
    } finally {
      held.release();
      wait(-1);
      release();
    }
  }

  return {
    waitFor,

    events(runId, afterSeq, callerSignal) {
      const { signal, release } = eitherSignal(callerSignal, closing);
      return read(runId, afterSeq, signal, release);
    },

    async *threadEvents(threadId, cursor, callerSignal) {
      const { signal, release } = eitherSignal(callerSignal, closing);
      let joined = false;
      try {
        yield* threadEvents(
          {
            runs: deps.runs,
            threads: deps.threads,
            signals: deps.signals,
            pollMs: deps.settings.pollMs,
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

    count: () => waiting,
    close: () => relief.close(),
  };
}
