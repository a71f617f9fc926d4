/**
 * Retries of a run's store calls through a database outage (docs/runs.md "MongoDB outages"): a transient error
 * (the store's own test, e.g. `isTransientMongoError`; the runtime knows no driver) is retried with backoff for as
 * long as this execution still holds the run's lease as far as it knows locally — the end of the last lease it
 * wrote, less a safety margin. Once that time has passed, the execution gives the run up: it writes nothing more
 * and the run, still `running` with a lapsing lease, is reclaimed by any worker (`attempt + 1`) and resumes from
 * its last checkpoint. No run ends `error` because the database was away.
 */
import { LeaseLostError } from "./guards.js";

/** Calls `fn`, retrying it through transient failures while the lease holds (see {@link createOutageRetry}). */
export type OutageRetry = <T>(fn: () => Promise<T>) => Promise<T>;

/** Options of {@link createOutageRetry}. */
export interface OutageRetryOptions {
  /** Whether an error is a transient store failure (retry it); any other error is thrown at once. */
  isTransient: (error: unknown) => boolean;
  /** When the lease lapses as far as this process knows (epoch ms). */
  leaseExpiresAt: () => number;
  /** Stop retrying this long before the lease lapses (another worker may reclaim the run right after). */
  marginMs: number;
  /** Called once when a retry gives up because the lease lapsed (e.g. stops the execution as "lost"). */
  onLapse: () => void;
  /** The execution is known to have lost the run already: throw `LeaseLostError` without calling `fn`. */
  lost: () => boolean;
  /** First backoff delay; doubles up to {@link OutageRetryOptions.maxDelayMs}. @default 100 */
  firstDelayMs?: number;
  /** @default 2000 */
  maxDelayMs?: number;
  /** Hears each transient failure that will be retried: the error, the retry's number (0 first), the delay. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * The retry policy of one run execution. The returned function calls `fn`; when it rejects with a transient error
 * it waits (100 ms doubling to 2 s, never past `leaseExpiresAt() − marginMs`) and calls it again, for as long as
 * the lease holds. Throws `fn`'s error when it is not transient; `LeaseLostError` (with the last transient error as
 * `cause`) when the lease lapsed first, after calling `onLapse`, or at once when `lost()`.
 *
 * A retried write may have been applied by the attempt that failed (no answer): callers retry only writes that
 * are idempotent or whose repetition is refused harmlessly (a checkpoint already stored conflicts, docs/runs.md).
 */
export function createOutageRetry(options: OutageRetryOptions): OutageRetry {
  const firstDelayMs = options.firstDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const lapsed = (cause: unknown): LeaseLostError => {
    options.onLapse();
    return new LeaseLostError("the database stayed unreachable until the run's lease lapsed", { cause });
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      if (options.lost()) throw new LeaseLostError("this worker lost the run's lease");
      try {
        return await fn();
      } catch (error) {
        if (!options.isTransient(error)) throw error;
        const left = options.leaseExpiresAt() - options.marginMs - Date.now();
        if (left <= 0) throw lapsed(error);
        const delayMs = Math.min(firstDelayMs * 2 ** attempt, maxDelayMs, left);
        options.onRetry?.(error, attempt, delayMs);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  };
}

/** The safety margin of a lease of `leaseMs`: a tenth of it, at most 2 s. */
export function leaseMarginMs(leaseMs: number): number {
  return Math.min(2000, Math.floor(leaseMs / 10));
}
