/**
 * The write queue of a run: when its store writes reach the store (durability, docs/semantics.md §1.16), and how a
 * batch of them is sent (`CheckpointStore.writeBatch`, else one by one). Internal.
 */
import type { CheckpointStore, StoreWrite } from "./store.js";

/**
 * When a run's writes reach the store (docs/semantics.md §1.16):
 * - `"sync"`: each write is sent at once and awaited: a checkpoint is saved before the next step starts, task
 *   writes as each task finishes.
 * - `"async"`: writes queue up in order and go out in batches in the background while the run goes on (one
 *   `writeBatch` per turn of the event loop, see `createWriteQueue`); the run waits for all of them before it
 *   returns. A crash may lose the last steps, never reorder them.
 * (Python's `"exit"`, saving only the final checkpoint, is not implemented; the server maps it to `"async"`.)
 */
export type Durability = "sync" | "async";

/** Orders a run's store writes. Internal. */
export interface WriteQueue {
  /**
   * `sync`: sends `write` now; resolves when it is stored, rejects with its error.
   * `async`: queues `write` and resolves at once (after a failure the write is dropped: see `failure`).
   */
  write(write: StoreWrite): Promise<unknown>;
  /** Sends what is queued without waiting for the scheduled batch; resolves when every queued write is stored,
   * rejects with the first failure. */
  flush(): Promise<void>;
  /** The first failure of a background write, if any (no later write is sent then). */
  failure(): { error: unknown } | undefined;
}

/** Sends one write with `put` / `putWrites`. */
function writeOne(store: CheckpointStore, write: StoreWrite): Promise<unknown> {
  return write.kind === "put" ? store.put(write.input) : store.putWrites(write.ref, write.writes);
}

/**
 * Sends `writes` in order: through `store.writeBatch` when the store has it and there is more than one write, else
 * with `put`/`putWrites` one by one. Either way it stops at the first failure and rejects with its error.
 */
export async function writeAll(store: CheckpointStore, writes: readonly StoreWrite[]): Promise<void> {
  if (writes.length > 1 && store.writeBatch) {
    await store.writeBatch(writes);
    return;
  }
  for (const write of writes) await writeOne(store, write);
}

/**
 * A write queue over `store` for `durability` (see `Durability`). The `async` queue:
 * - queues writes in order and schedules a drain with `setImmediate`, so everything a run produces before the event
 *   loop turns goes out as one batch (`writeAll`);
 * - while a batch is in flight, new writes accumulate and go as the next batch, right after it;
 * - `flush()` drains at once and resolves when everything queued is stored;
 * - after a failure no later write is sent: `failure()` reports it, `flush()` rejects with it, and `onFailure` (if
 *   given) is called with it at once, so the run can stop before it does more work that cannot be saved.
 */
export function createWriteQueue(
  durability: Durability,
  store: CheckpointStore,
  onFailure?: (error: unknown) => void,
): WriteQueue {
  if (durability === "sync") {
    return { write: (w) => writeOne(store, w), flush: async () => undefined, failure: () => undefined };
  }
  let queued: StoreWrite[] = [];
  let inFlight: Promise<void> | undefined;
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  let failed: { error: unknown } | undefined;

  /** Sends batches until the queue is empty or a batch fails. Called only with writes queued and no failure, so
   * it always awaits before clearing `inFlight`. */
  async function pump(): Promise<void> {
    while (queued.length > 0 && failed === undefined) {
      const batch = queued;
      queued = [];
      try {
        await writeAll(store, batch);
      } catch (error) {
        failed = { error };
        queued = [];
        onFailure?.(error);
      }
    }
    inFlight = undefined;
  }

  function drain(): Promise<void> {
    if (scheduled !== undefined) {
      clearImmediate(scheduled);
      scheduled = undefined;
    }
    if (inFlight === undefined && queued.length > 0 && failed === undefined) inFlight = pump();
    return inFlight ?? Promise.resolve();
  }

  return {
    write(write) {
      if (failed !== undefined) return Promise.resolve();
      queued.push(write);
      if (inFlight === undefined && scheduled === undefined) {
        scheduled = setImmediate(() => {
          scheduled = undefined;
          void drain();
        });
      }
      return Promise.resolve();
    },
    async flush() {
      while (queued.length > 0 || inFlight !== undefined) await drain();
      if (failed !== undefined) throw failed.error;
    },
    failure: () => failed,
  };
}
