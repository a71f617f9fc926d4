/**
 * Waiting under a caller's `AbortSignal` (a request's deadline or disconnect, docs/runs.md "Deadlines and
 * disconnects"): the wait ends with the signal's reason as soon as it aborts, and leaves no listener behind.
 * What is waited for (a run, a database read) goes on; only the caller stops waiting.
 */

/**
 * Settles like `promise`, or rejects with `signal.reason` once `signal` aborts first (at once when it already
 * has). The abort listener is removed when either happens. Without a signal, returns `promise` itself.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined); // the caller no longer hears of it
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Calls `fn` once when `signal` aborts — at once if it already has (a listener added then would never fire).
 * Returns the function that stops listening (e.g. once the request ended normally).
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  signal.addEventListener("abort", fn, { once: true });
  return () => signal.removeEventListener("abort", fn);
}

/**
 * A signal that aborts when `caller` or `server` does, with that one's reason (`server`: this process shutting
 * down). `release` removes both listeners; call it when the wait ends. Without `caller`, `server` itself.
 */
export function eitherSignal(
  caller: AbortSignal | undefined,
  server: AbortSignal,
): { signal: AbortSignal; release: () => void } {
  if (!caller) return { signal: server, release: () => undefined };
  const both = new AbortController();
  const stopCaller = onAbort(caller, () => both.abort(caller.reason));
  const stopServer = onAbort(server, () => both.abort(server.reason));
  return {
    signal: both.signal,
    release: () => {
      stopCaller();
      stopServer();
    },
  };
}
