/**
 * Async iterables that only look at what passes (map a value, map an error, note the end) without an async
 * generator of their own. Every held stream goes through several such layers (error mapping, deadline, metrics,
 * status rewriting); as generators each cost a suspended frame per stream and several promises per part on
 * every stream a fanned-out event reaches (docs/benchmarks.md "Idle streams"). A pass-through costs one object
 * per stream and no promise beyond its source's.
 */

/** What a {@link passThrough} does with each step of its source. All optional. */
export interface PassThroughHooks<T, U> {
  /** Maps each value. */
  value?: (value: T) => U;
  /** Maps an error of the source (its result is thrown instead). */
  error?: (error: unknown) => unknown;
  /** Called once when the source is done (not when it throws or is returned early). */
  done?: () => void;
}

/**
 * `source` seen through `hooks`. `return()` and `throw()` go to the source (a source without them is returned
 * or the error rethrown), so a consumer that stops early closes the source as `for await` would.
 */
export function passThrough<T, U = T>(
  source: AsyncIterable<T>,
  hooks: PassThroughHooks<T, U>,
): AsyncIterableIterator<U> {
  const it = source[Symbol.asyncIterator]();
  const { value: map, error: mapError, done } = hooks;
  const onResult = (r: IteratorResult<T>): IteratorResult<U> => {
    if (r.done) {
      done?.();
      return r as IteratorResult<U>;
    }
    return map ? { done: false, value: map(r.value) } : (r as unknown as IteratorResult<U>);
  };
  const onError = mapError
    ? (error: unknown): never => {
        throw mapError(error);
      }
    : undefined;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      return it.next().then(onResult, onError);
    },
    return(v?: unknown) {
      if (!it.return) return Promise.resolve({ done: true, value: v as U });
      return it.return(v).then(() => ({ done: true, value: v as U }), onError);
    },
    throw(e?: unknown) {
      if (!it.throw) {
        return Promise.resolve(it.return?.()).then(() => Promise.reject(e));
      }
      return it.throw(e).then(onResult, onError);
    },
  };
}
