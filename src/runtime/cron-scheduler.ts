/**
 * The cron scheduler of one process (docs/crons.md "Scheduling"): every `pollMs` it reads the enabled crons whose
 * `next_run_date` has come, and for each claims the tick with one compare-and-set (`CronStore.claimTick`) that
 * moves `next_run_date` from that tick to the first tick after now and records the claim. Every replica polls; the
 * one whose claim moves the date fires the run, the others see it moved and do nothing — so each tick fires once,
 * and ticks missed while every replica was down fire once (not once per missed tick) when one comes back.
 *
 * A tick's run has an id of its own, derived from (cron, tick) (`tickRunId`): the unique key that makes a second
 * creation of the same tick's run fail instead of running twice. The claim is released once the run exists; a
 * claim left behind — the replica died, or the database went away between claim and run creation — is taken
 * over by any replica after `claimTimeoutMs` and fired again, which creates the run if it is missing and finds it
 * otherwise. So a crash between claim and run creation delays a tick instead of losing it.
 */
import { v5 as uuidv5 } from "uuid";
import type { CronRecord, CronStore } from "../store/cron-store.js";
import { nextTick } from "./cron-schedule.js";
import { createPeriodicTask, type PeriodicFailure, type PeriodicRecovery } from "./periodic.js";

/** The scheduler. */
export interface CronScheduler {
  /** Starts polling (the first poll after one interval). */
  start(): void;
  /** One poll now; resolves to the number of ticks this process claimed (or took over) and fired. */
  poll(): Promise<number>;
  /** Stops polling and waits for a poll in progress (its runs are created by then). */
  close(): Promise<void>;
}

/** Crons claimed per poll at most; the rest wait for the next poll. */
const POLL_LIMIT = 100;

/** The namespace of tick run ids (a fixed UUID, so every replica derives the same id). */
const TICK_NAMESPACE = "6f0b9a52-64c1-4c56-9a43-2f4e1b7d0c11";

/**
 * The run id of tick `tick` of cron `cronId`: a UUID v5 of `"<cronId>@<tick ISO>"`, the same on every replica and
 * at every attempt, so the run store's unique run id is the unique key per (cron, tick).
 */
export function tickRunId(cronId: string, tick: Date): string {
  return uuidv5(`${cronId}@${tick.toISOString()}`, TICK_NAMESPACE);
}

/** What {@link createCronScheduler} needs. */
export interface CronSchedulerDeps {
  crons: CronStore;
  /**
   * Creates the run of a claimed tick under the id `runId` (= `tickRunId(cron, tick)`; the runs service's path:
   * a new thread for a stateless cron, the cron's thread with its multitask strategy otherwise). Resolves once the
   * run exists, also when it existed already. A rejection that `isTransient` recognises keeps the claim (the tick
   * is fired again after `claimTimeoutMs`); any other is a refusal, reported to `onError`, and the tick is done.
   */
  fire(cron: CronRecord, runId: string): Promise<void>;
  /** Interval between polls, in ms (`LOOM_CRON_POLL_MS`). */
  pollMs: number;
  /**
   * How long a claim may stay unreleased before another replica takes the tick over, in ms. It must exceed the
   * time a run creation takes, or a slow replica's tick is fired twice (the second creation finds the run).
   * @default 30_000
   */
  claimTimeoutMs?: number;
  /** Whether a failed run creation may succeed later (a database outage). @default () => false */
  isTransient?: (error: unknown) => boolean;
  /** Hears a failed claim, release or run creation of the cron `cronId` (the poll goes on with the next cron). */
  onError?: (error: unknown, cronId: string) => void;
  /** Hears a poll that failed as a whole (e.g. MongoDB away): the error and the failed polls in a row. */
  onPollError?: PeriodicFailure;
  /** Hears the first poll that worked after `failuresInARow` failed ones. */
  onPollRecovered?: PeriodicRecovery;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

/** Creates the scheduler over `deps.crons`. */
export function createCronScheduler(deps: CronSchedulerDeps): CronScheduler {
  const now = deps.now ?? (() => new Date());
  const claimTimeoutMs = deps.claimTimeoutMs ?? 30_000;
  const isTransient = deps.isTransient ?? (() => false);

  /**
   * Releases the claim of `tick`, retrying a transient failure for up to half the claim timeout: a claim left
   * behind after its run was created is fired again when stale, and a stateless tick's run may be gone by then
   * (deleted with its thread), so the second creation would not find it.
   */
  async function release(cronId: string, tick: Date): Promise<void> {
    const giveUpAt = Date.now() + claimTimeoutMs / 2;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await deps.crons.releaseTick(cronId, tick);
      } catch (error) {
        if (!isTransient(error) || Date.now() + delay > giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Fires the claimed tick `tick` and releases it, unless the creation failed transiently. */
  async function fireClaimed(claimed: CronRecord, tick: Date): Promise<void> {
    try {
      await deps.fire(claimed, tickRunId(claimed.cronId, tick));
    } catch (error) {
      deps.onError?.(error, claimed.cronId);
      if (isTransient(error)) return;
    }
    await release(claimed.cronId, tick);
  }

  /** Acts on one listed cron: takes over its stale claim, or claims its due tick; `true` when this process fired. */
  async function fireDue(cron: CronRecord, at: Date): Promise<boolean> {
    if (cron.claim) {
      if (cron.claim.at.getTime() > at.getTime() - claimTimeoutMs) return false;
      const taken = await deps.crons.reclaimTick(cron.cronId, cron.claim, at);
      if (!taken) return false;
      await fireClaimed(taken, cron.claim.tick);
      return true;
    }
    const tick = cron.nextRunDate;
    if (tick === null) return false;
    let next: Date | null;
    try {
      next = nextTick(cron.schedule, cron.timezone, at, cron.endTime);
    } catch {
      // A schedule stored by an older version that no longer parses: no further tick.
      next = null;
    }
    const claimed = await deps.crons.claimTick(cron.cronId, tick, next, at);
    if (!claimed) return false;
    await fireClaimed(claimed, tick);
    return true;
  }

  async function pollOnce(): Promise<number> {
    const at = now();
    const due = await deps.crons.listDue(at, POLL_LIMIT, new Date(at.getTime() - claimTimeoutMs));
    let fired = 0;
    for (const cron of due) {
      try {
        if (await fireDue(cron, at)) fired += 1;
      } catch (error) {
        // One cron's store failure (the claim or its release) does not hold up the others; its claim, if made,
        // is taken over once stale.
        deps.onError?.(error, cron.cronId);
      }
    }
    return fired;
  }

  const task = createPeriodicTask(pollOnce, deps.pollMs, deps.onPollError, deps.onPollRecovered);
  return { start: task.start, poll: task.run, close: task.close };
}
