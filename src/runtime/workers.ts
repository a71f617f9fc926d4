/**
 * The worker pool of one process: keeps up to `workers` queued runs executing. It claims when woken (a run
 * created or ended, here or — through the change stream — on another replica) and at least every `pollMs`; it
 * looks for expired leases (crashed workers, runs given up during a database outage) and for runs leased to itself
 * that it does not execute (a claim whose answer an outage lost) at most every `leaseMs / 2` while it finds none.
 */
import type { RunRecord } from "../store/records.js";
import type { RuntimeDeps } from "./types.js";

/** The pool. */
export interface WorkerPool {
  /** Starts the claim loop. */
  start(): void;
  /** Asks for a claim pass soon. */
  nudge(): void;
  /**
   * Stops claiming (runs already executing go on). Resolves once a claim pass in flight has ended: a run it claimed
   * after the stop is back in the queue (or executing, when the claim came first) by then.
   */
  stop(): Promise<void>;
}

/**
 * Creates the pool; `execute` runs a claimed run to its end (it must not reject); `executing` lists the runs this
 * process executes now (a run leased to this process and not among them lost its claim's answer: it is adopted).
 */
export function createWorkerPool(
  deps: Pick<RuntimeDeps, "queue" | "settings" | "onError" | "metrics" | "isTransient">,
  execute: (run: RunRecord) => Promise<void>,
  executing: () => readonly string[] = () => [],
): WorkerPool {
  const { queue, settings } = deps;
  let active = 0;
  let stopped = true;
  let pumping = false;
  /** The claim pass in flight, awaited by `stop`. */
  let passing: Promise<void> = Promise.resolve();
  let again = false;
  /** The last pass stopped because every worker was busy (not because the queue was empty). */
  let saturated = false;
  let lastExpiredScan = 0;
  let timer: NodeJS.Timeout | undefined;

  async function claimOne(): Promise<RunRecord | null> {
    const pending = await queue.claimPending(settings.owner, settings.leaseMs);
    if (pending) return pending;
    const now = Date.now();
    if (now - lastExpiredScan < settings.leaseMs / 2) return null;
    lastExpiredScan = now;
    const reclaimed = await queue.claimExpired(settings.owner, settings.leaseMs);
    if (reclaimed) deps.metrics?.leaseReclaimed();
    const expired =
      reclaimed ??
      // A claim of ours whose answer was lost in an outage: not executing anywhere, adopt it now rather than after
      // its lease expires. Idle for half a lease: an execution renews every third, a claim in flight is younger.
      (await queue.claimOrphaned(settings.owner, settings.leaseMs, executing(), settings.leaseMs / 2));
    // Found one: there may be more (e.g. every run given up during a database outage), so look again at once.
    if (expired) lastExpiredScan = 0;
    return expired;
  }

  function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return passing;
    }
    pumping = true;
    passing = pass();
    return passing;
  }

  async function pass(): Promise<void> {
    try {
      do {
        again = false;
        saturated = false;
        while (!stopped && active < settings.workers) {
          const run = await claimOne();
          if (!run) break;
          if (stopped) {
            // Stopped while the claim was in flight (a shutdown began): give the run straight back to the queue.
            await queue.release(run.runId, { owner: settings.owner, attempt: run.attempt });
            break;
          }
          active++;
          saturated = active >= settings.workers;
          void execute(run).finally(() => {
            active--;
            if (saturated) pool.nudge();
          });
        }
      } while (again && !stopped);
    } catch (error) {
      // While the database is away the next tick tries again; nothing to report.
      if (!deps.isTransient?.(error)) deps.onError?.(error);
    } finally {
      pumping = false;
    }
  }

  function tick(): void {
    if (stopped) return;
    void pump();
    timer = setTimeout(tick, settings.pollMs);
  }

  const pool: WorkerPool = {
    start() {
      if (!stopped) return;
      stopped = false;
      tick();
    },
    nudge() {
      if (!stopped) void pump();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      return passing;
    },
  };
  return pool;
}
