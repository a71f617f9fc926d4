/**
 * LangGraph.js wraps the long-term memory store of every run in an `AsyncBatchedStore` (`PregelLoop.initialize`)
 * whose `start()` runs a polling loop, `await setTimeout(0)` then "anything queued?", for as long as the run lasts.
 * Loom hands every run its store (docs/store.md), so each run in flight wakes about once a millisecond whether or
 * not its graph touches the store: at 32 concurrent runs that alone is several percent of a core, a few ms of CPU
 * per run. {@link batchStoreOnDemand} replaces the loop with a flush scheduled by the first operation queued: the
 * same batching window (every operation queued before the `setTimeout(0)` fires goes out in one `batch` call), the
 * same order (one batch at a time), no wake-up while nothing is queued. An operation queued after `stop()` is
 * still answered (the polling loop would leave it pending for ever).
 */
import { AsyncBatchedStore } from "@langchain/langgraph";

interface Queued {
  operation: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The fields of `AsyncBatchedStore` the replacement methods use (its own, plus the flush state added here). */
interface BatchedStoreFields {
  store: { batch(operations: unknown[]): Promise<unknown[]> };
  queue: Map<number, Queued>;
  nextKey: number;
  running: boolean;
  processingTask: Promise<void> | null;
  flushScheduled?: boolean;
}

/** Sends what is queued as one batch, after the batch before it. */
function scheduleFlush(self: BatchedStoreFields): void {
  if (self.flushScheduled) return;
  self.flushScheduled = true;
  setTimeout(() => {
    self.flushScheduled = false;
    const batch = [...self.queue.values()];
    self.queue.clear();
    const previous = self.processingTask ?? Promise.resolve();
    self.processingTask = previous.then(async () => {
      try {
        const results = await self.store.batch(batch.map((q) => q.operation));
        for (const [i, q] of batch.entries()) q.resolve(results[i]);
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
    });
  }, 0);
}

let patched = false;

/**
 * Makes `AsyncBatchedStore` flush on demand instead of polling (see the module doc); idempotent. Applied once when
 * the LangGraph.js adapter is loaded, for every LangGraph.js graph the process runs.
 */
export function batchStoreOnDemand(): void {
  if (patched) return;
  patched = true;
  const proto = AsyncBatchedStore.prototype as unknown as Record<string, unknown>;
  proto.start = function start(this: BatchedStoreFields): void {
    this.running = true;
  };
  proto.stop = async function stop(this: BatchedStoreFields): Promise<void> {
    this.running = false;
    await this.processingTask;
  };
  proto.enqueueOperation = function enqueueOperation(
    this: BatchedStoreFields,
    operation: unknown,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.set(this.nextKey++, { operation, resolve, reject });
      scheduleFlush(this);
    });
  };
}
