/**
 * The cron scheduler of one process (docs/crons.md "Scheduling"): every `pollMs` it reads the enabled crons whose
 * `next_run_date` has come, and for each claims the tick with one compare-and-set (`CronStore.claimTick`) that
 * moves `next_run_date` from that tick to the first tick after now. Every replica polls; the one whose claim moves
 * the date fires the run, the others see it moved and do nothing — so each tick fires exactly once, and ticks
 * missed while every replica was down fire once (not once per missed tick) when one comes back.
 */
import type { CronRecord, CronStore } from "../store/cron-store.js";
import { nextTick } from "./cron-schedule.js";
import { createPeriodicTask } from "./periodic.js";

/** The scheduler. */
export interface CronScheduler {
  /** Starts polling (the first poll after one interval). */
  start(): void;
  /** One poll now; resolves to the number of ticks this process claimed and fired. */
  poll(): Promise<number>;
  /** Stops polling and waits for a poll in progress (its runs are created by then). */
  close(): Promise<void>;
}

/** Crons claimed per poll at most; the rest wait for the next poll. */
const POLL_LIMIT = 100;

/** What {@link createCronScheduler} needs. */
export interface CronSchedulerDeps {
  crons: CronStore;
  /**
   * Creates the run of a claimed tick (the runs service's path: a new thread for a stateless cron, the cron's
   * thread with its multitask strategy otherwise). A failure is reported to `onError`; the tick is not retried.
   */
  fire(cron: CronRecord): Promise<void>;
  /** Interval between polls, in ms (`LOOM_CRON_POLL_MS`). */
  pollMs: number;
  /** Hears a failed poll or run creation (with the cron's id when one was involved). */
  onError?: (error: unknown, cronId?: string) => void;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

/** Creates the scheduler over `deps.crons`. */
export function createCronScheduler(deps: CronSchedulerDeps): CronScheduler {
  const now = deps.now ?? (() => new Date());

  /** Claims and fires one due cron; `true` when this process fired it. */
  async function fireDue(cron: CronRecord, at: Date): Promise<boolean> {
    const tick = cron.nextRunDate;
    if (tick === null) return false;
    let next: Date | null;
    try {
      next = nextTick(cron.schedule, cron.timezone, at, cron.endTime);
    } catch {
      // A schedule stored by an older version that no longer parses: no further tick.
      next = null;
    }
    const claimed = await deps.crons.claimTick(cron.cronId, tick, next);
    if (!claimed) return false;
    try {
      await deps.fire(claimed);
    } catch (error) {
      deps.onError?.(error, cron.cronId);
    }
    return true;
  }

  async function pollOnce(): Promise<number> {
    const at = now();
    const due = await deps.crons.listDue(at, POLL_LIMIT);
    let fired = 0;
    for (const cron of due) {
      if (await fireDue(cron, at)) fired += 1;
    }
    return fired;
  }

  const task = createPeriodicTask(pollOnce, deps.pollMs, (error) => deps.onError?.(error));
  return { start: task.start, poll: task.run, close: task.close };
}
