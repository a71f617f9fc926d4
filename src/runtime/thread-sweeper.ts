/**
 * The thread TTL sweeper of one process (docs/api.md §3 "Thread TTL", docs/operations.md "Thread TTL"): every
 * `intervalMs` it prunes the threads whose TTL expired, with each thread's strategy — `delete` removes it with its
 * runs and checkpoints as `DELETE /threads/{id}` does, `keep_latest` keeps only its latest checkpoint. Every replica
 * sweeps; pruning is idempotent, so two replicas meeting on one thread do no harm.
 */
import type { ThreadStore } from "../store/records.js";
import { createPeriodicTask, type PeriodicFailure, type PeriodicRecovery } from "./periodic.js";

/** The sweeper. */
export interface ThreadSweeper {
  /** Starts sweeping (the first sweep after one interval). */
  start(): void;
  /** One sweep now; resolves to the number of threads pruned. */
  sweep(): Promise<number>;
  /** Stops sweeping and waits for a sweep in progress. */
  close(): Promise<void>;
}

/** Threads pruned per sweep at most; the rest wait for the next one. */
const SWEEP_LIMIT = 500;

/**
 * Creates the sweeper over `threads`; `onError` hears a failed sweep with the failed sweeps in a row (it is retried
 * at the next interval), `onRecovered` the first sweep that worked after some failed.
 */
export function createThreadSweeper(deps: {
  threads: ThreadStore;
  /** Interval between sweeps, in ms (`LOOM_THREAD_SWEEP_MS`). */
  intervalMs: number;
  onError?: PeriodicFailure;
  onRecovered?: PeriodicRecovery;
}): ThreadSweeper {
  async function sweepOnce(): Promise<number> {
    const expired = await deps.threads.listExpired(new Date(), SWEEP_LIMIT);
    let pruned = 0;
    for (const strategy of ["delete", "keep_latest"] as const) {
      const ids = expired.filter((t) => t.strategy === strategy).map((t) => t.threadId);
      if (ids.length > 0) pruned += await deps.threads.prune(ids, strategy);
    }
    return pruned;
  }

  const task = createPeriodicTask(sweepOnce, deps.intervalMs, deps.onError, deps.onRecovered);
  return { start: task.start, sweep: task.run, close: task.close };
}
