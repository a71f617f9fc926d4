/**
 * A background pass repeated every `intervalMs` (the thread sweeper, the cron scheduler): one pass at a time —
 * a pass asked for while one runs joins it — the timer never keeps the process alive, and `close` waits for the
 * pass in progress.
 */

/** The task. `T` is what one pass resolves to (e.g. how many items it handled). */
export interface PeriodicTask<T> {
  /** Starts the timer (the first pass after one interval); a second call does nothing. */
  start(): void;
  /** One pass now, or the one in progress. */
  run(): Promise<T>;
  /** Stops the timer and waits for a pass in progress (its failure is ignored here: `onError` heard it). */
  close(): Promise<void>;
}

/**
 * What hears a pass started by the timer that failed: the error, and how many passes in a row have failed now
 * (1 for the first of a streak, e.g. the first poll after MongoDB went away).
 */
export type PeriodicFailure = (error: unknown, failuresInARow: number) => void;

/** What hears the first pass that worked after `failuresInARow` failed ones. */
export type PeriodicRecovery = (failuresInARow: number) => void;

/**
 * Creates the task; `onError` hears a pass started by the timer that failed (the next interval tries again), and
 * `onRecovered` the first pass that succeeded after `failuresInARow` failed ones.
 * @param intervalMs the period, in ms
 */
export function createPeriodicTask<T>(
  pass: () => Promise<T>,
  intervalMs: number,
  onError?: PeriodicFailure,
  onRecovered?: PeriodicRecovery,
): PeriodicTask<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  let failures = 0;

  function run(): Promise<T> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        run().then(
          () => {
            if (failures > 0) onRecovered?.(failures);
            failures = 0;
          },
          (error: unknown) => {
            failures += 1;
            onError?.(error, failures);
          },
        );
      }, intervalMs);
      timer.unref();
    },
    run,
    async close() {
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

/**
 * Whether the `failuresInARow`-th failure of a streak is worth a log line: the first, then the 10th, 100th, 1000th…
 * (a poll every second through a ten-minute outage logs 4 lines, not 600).
 */
export function isLoggedFailure(failuresInARow: number): boolean {
  return failuresInARow === 1 || Number.isInteger(Math.log10(failuresInARow));
}
