/**
 * Gives the memory of a burst of waiters back once the process is quiet again (docs/operations.md "Memory").
 *
 * V8 collects garbage only while the program allocates. Opening thousands of streams at once leaves most of what
 * the openings allocated in the old generation (each opening waits on MongoDB across several young collections);
 * once the streams idle — or have closed — nothing allocates, no collection comes, and the dead objects keep their
 * pages: 2,000 SSE streams that closed kept ~150 MB of RSS with ~4 MB of it live (docs/benchmarks.md
 * "Idle streams"). So when the number of waiters has moved by `threshold` or more (up or down) since the last
 * relief, and then stayed unchanged for `quietMs`, this runs full collections a second apart: the first frees the
 * objects, the next — after the sweeper emptied their pages — give the pages back to the system.
 * Under steady traffic the count never stays still long enough, and V8 collects on its own anyway.
 */
import v8 from "node:v8";
import vm from "node:vm";

/** Options of {@link createHeapRelief}. */
export interface HeapReliefOptions {
  /** Change of the waiter count (from its lowest or highest since the last relief) that calls for one; 0: never. */
  threshold: number;
  /** How long the count must stay unchanged before the collections, in ms. @default 1000 */
  quietMs?: number;
  /** The full collection to run. @default the runtime's `gc` (exposed at first use when not already) */
  collect?: () => void;
  /** Hears each relief (after its second collection). */
  onRelief?: () => void;
}

/** The relief of one process. */
export interface HeapRelief {
  /** The number of waiters is now `count`. O(1), no allocation unless a relief has to be scheduled. */
  changed(count: number): void;
  /** Cancels a scheduled relief. */
  close(): void;
}

/**
 * V8's full collection: `globalThis.gc` under `--expose-gc`, else that of a new context after exposing it (the
 * flag only affects contexts created after it is set). `undefined` if neither works.
 */
function runtimeGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") return exposed as () => void;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Collections of one relief at most. */
const MAX_COLLECTIONS = 4;

/** Committed heap beyond what is used (in bytes, and as a share of it) that one more collection is run for. */
const SLACK = { bytes: 16 * 1024 * 1024, share: 0.5 };

/** Whether the heap keeps more pages than it uses (see {@link SLACK}). */
function slack(): boolean {
  const { total_heap_size: total, used_heap_size: used } = v8.getHeapStatistics();
  return total - used > SLACK.bytes + used * SLACK.share;
}

/** Creates the relief; it does nothing while the count moves by less than `threshold`. */
export function createHeapRelief(options: HeapReliefOptions): HeapRelief {
  const { threshold } = options;
  const quietMs = options.quietMs ?? 1000;
  let collect = options.collect;
  let low = 0;
  let high = 0;
  let last = 0;
  let lastChangeAt = 0;
  let timer: NodeJS.Timeout | undefined;

  /**
   * The first collection frees the burst's objects; the next ones, a second apart, return the pages the sweeper
   * has emptied by then — on a loaded machine sweeping can take longer than a second, so until the committed heap
   * is within {@link SLACK} of what is used, up to {@link MAX_COLLECTIONS} in all.
   */
  function relieve(): void {
    collect ??= runtimeGc();
    if (!collect) return;
    const gc = collect;
    gc();
    let collections = 1;
    const again = () => {
      timer = undefined;
      gc();
      collections++;
      if (collections < MAX_COLLECTIONS && slack()) {
        timer = setTimeout(again, 1000);
        timer.unref();
        return;
      }
      low = high = last;
      options.onRelief?.();
    };
    timer = setTimeout(again, 1000);
    timer.unref();
  }

  function check(): void {
    timer = undefined;
    const quietFor = Date.now() - lastChangeAt;
    if (quietFor < quietMs) {
      timer = setTimeout(check, quietMs - quietFor);
      timer.unref();
      return;
    }
    relieve();
  }

  return {
    changed(count) {
      last = count;
      if (threshold <= 0) return;
      lastChangeAt = Date.now();
      if (count < low) low = count;
      if (count > high) high = count;
      if (timer === undefined && high - low >= threshold) {
        timer = setTimeout(check, quietMs);
        timer.unref();
      }
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
