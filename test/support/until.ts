/**
 * Polling for tests that wait on behaviour rather than sleeping a fixed time.
 */

/** Options of {@link until}. */
export interface UntilOptions {
  /** Give up after this long, ms. Default 15 000. */
  timeoutMs?: number;
  /** Pause between two reads, ms. Default 50. */
  intervalMs?: number;
}

/**
 * Calls `read` until it returns something other than `undefined` or `false` and resolves with that value (so a
 * boolean check resolves with `true`, a lookup with what it found).
 * @throws Error `timed out waiting for <what>` after `timeoutMs`; an error `read` throws is thrown at once.
 */
export async function until<T>(
  what: string,
  read: () => T | undefined | false | Promise<T | undefined | false>,
  options: UntilOptions = {},
): Promise<T> {
  const end = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
