/**
 * The request's deadline and abort signal for every RPC (docs/runs.md "Deadlines and disconnects"): Connect-ES
 * aborts `HandlerContext.signal` at the `grpc-timeout` / `connect-timeout-ms` deadline (reason: a ConnectError
 * DeadlineExceeded) and when the client goes away (Canceled); the REST bridge aborts it on a disconnect. Methods
 * that wait on a run take the signal themselves and free their waiter; this wrapper makes sure every method,
 * including a slow database call, answers at the deadline instead of after it.
 */
import type { HandlerContext } from "@connectrpc/connect";
import { abortable } from "../runtime/abort.js";

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === "object" && Symbol.asyncIterator in value;
}

function isContext(value: unknown): value is HandlerContext {
  return (
    value !== null && typeof value === "object" && (value as HandlerContext).signal instanceof AbortSignal
  );
}

/**
 * The parts of `source` until `signal` aborts, then throws `signal.reason` (and closes `source` in the background).
 * One abort listener per stream rather than one per part: a fanned-out event reaches every held stream at once.
 */
function untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterableIterator<T> {
  const it = source[Symbol.asyncIterator]();
  /** Rejects the pull in progress. */
  let rejectPull: ((reason: unknown) => void) | undefined;
  let finished = false;
  const finish = () => {
    finished = true;
    signal.removeEventListener("abort", onAbort);
  };
  function onAbort(): void {
    if (!finished) {
      finish();
      // A source stuck in a pull would make its `return()` wait for that pull: do not wait for it.
      Promise.resolve(it.return?.(undefined)).catch(() => undefined);
    }
    rejectPull?.(signal.reason);
  }
  signal.addEventListener("abort", onAbort, { once: true });
  const settle = (r: IteratorResult<T>) => {
    rejectPull = undefined;
    if (r.done) finish();
    return r;
  };
  const fail = (error: unknown): never => {
    rejectPull = undefined;
    finish();
    throw error;
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (signal.aborted) {
        onAbort();
        return Promise.reject(signal.reason);
      }
      if (finished) return Promise.resolve({ done: true, value: undefined });
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        rejectPull = reject;
        it.next().then(resolve, reject);
      }).then(settle, fail);
    },
    async return(value?: unknown) {
      finish();
      await it.return?.(value);
      return { done: true, value: value as T };
    },
    throw(error?: unknown) {
      if (it.throw) return it.throw(error).then(settle, fail);
      finish();
      return Promise.resolve(it.return?.(undefined)).then(() => Promise.reject(error));
    },
  };
}

/**
 * Wraps every method of a service implementation (`(request, ctx)`) so that a unary call rejects, and a stream
 * ends, with `ctx.signal.reason` as soon as the request's signal aborts. The work already started goes on.
 */
export function withDeadline<T extends object>(impl: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    if (typeof fn !== "function") continue;
    wrapped[name] = (...args: unknown[]) => {
      const result: unknown = fn.apply(impl, args);
      const ctx = args[1];
      if (!isContext(ctx)) return result;
      if (isAsyncIterable(result)) return untilAborted(result, ctx.signal);
      if (result instanceof Promise) return abortable(result, ctx.signal);
      return result;
    };
  }
  return wrapped as T;
}
