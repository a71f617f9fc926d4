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
 * Creates the task; `onError` hears a pass started by the timer that failed (the next interval tries again).
 * @param intervalMs the period, in ms
 */
export function createPeriodicTask<T>(
  pass: () => Promise<T>,
  intervalMs: number,
  onError?: (error: unknown) => void,
): PeriodicTask<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;

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
        run().catch((error: unknown) => onError?.(error));
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
