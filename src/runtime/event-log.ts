/**
 * The run event log (docs/api.md §7): the executing worker appends a run's stream events to the shared store
 * in order (one batch in flight at a time); readers on any replica page through it. A reader pulls a page only
 * when its consumer asks for more, so a slow client costs at most one page of memory (pull, never push).
 */
import type { JsonValue } from "../engine/index.js";
import { RunNotFoundError } from "../store/errors.js";
import type { RunStore } from "../store/records.js";
import { LeaseLostError } from "./guards.js";
import { FINAL_RUN_STATUSES, type LoggedEvent, type RunEventStore } from "./queue-store.js";
import type { RunSignals } from "./signals.js";

/** Appends one run's events; `seq` continues from `firstSeq`. */
export interface EventWriter {
  publish(event: string, data: JsonValue): void;
  /** Resolves once every published event is stored (or dropped after retries). */
  flush(): Promise<void>;
}

/** Seqs each attempt of a run may use before the next attempt's range begins (2^32). */
export const ATTEMPT_SEQ_SPAN = 2 ** 32;

/**
 * The first seq a resumed execution of a run logs (a new run starts at 0): after the last logged one, never below
 * `(attempt − 1) × ATTEMPT_SEQ_SPAN`. A reclaimed attempt thus numbers its events in a range of its own: events a
 * stale earlier attempt (a worker paused past its lease) still appends cannot take the seqs the new attempt uses,
 * so none of the new attempt's events is dropped as a duplicate (``Last-Event-ID``).
 */
export function firstEventSeq(lastSeq: number, attempt: number): number {
  return Math.max(lastSeq + 1, (attempt - 1) * ATTEMPT_SEQ_SPAN);
}

const APPEND_RETRIES = 5;
const RETRY_DELAY_MS = 200;

/**
 * Creates a writer for `runId`. Each append goes through `retrying` (the run's outage retry: through a database
 * outage while the lease holds, `outage-retry.ts`); a failed append is retried ({@link APPEND_RETRIES} times, 200 ms
 * apart), then the batch is dropped and `onError` called: the run itself goes on. Appends are idempotent
 * (duplicate seqs are ignored), so a retry after a lost answer stores nothing twice.
 */
export function createEventWriter(options: {
  events: RunEventStore;
  signals: RunSignals;
  runId: string;
  firstSeq: number;
  /** @default one call */
  retrying?: <T>(fn: () => Promise<T>) => Promise<T>;
  onError?: (error: unknown) => void;
}): EventWriter {
  const retrying = options.retrying ?? ((fn) => fn());
  const { events, signals, runId } = options;
  let seq = options.firstSeq;
  const buffer: LoggedEvent[] = [];
  let inFlight: Promise<void> | undefined;

  async function appendWithRetry(batch: LoggedEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await retrying(() => events.append(runId, batch));
        return;
      } catch (error) {
        // Lost run: the attempt that reclaims it logs its own events (`firstEventSeq`).
        if (error instanceof LeaseLostError) return;
        if (attempt >= APPEND_RETRIES) {
          options.onError?.(error);
          return;
        }
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      }
    }
  }

  function kick(): void {
    if (inFlight) return;
    inFlight = (async () => {
      while (buffer.length > 0) {
        await appendWithRetry(buffer.splice(0));
        signals.notify({ runId, runDocument: false });
      }
    })().finally(() => {
      inFlight = undefined;
    });
  }

  return {
    publish(event, data) {
      buffer.push({ seq: seq++, event, data });
      kick();
    },
    async flush() {
      while (inFlight) await inFlight;
    },
  };
}

/** Options of {@link readEvents}. */
export interface ReadEventsOptions {
  events: RunEventStore;
  runs: RunStore;
  signals: RunSignals;
  runId: string;
  /** Events with a greater seq are returned; −1 = from the start. */
  afterSeq: number;
  /** Longest wait between checks when no signal comes. @default 500 */
  pollMs?: number;
  /** @default 100 */
  pageSize?: number;
  /** Called once before the first read when the run executes in another process (`RunQueueStore.watch`). */
  watch?: () => Promise<void>;
  /** Ends the reading (the generator throws `signal.reason`) when it aborts: the request's deadline or disconnect. */
  signal?: AbortSignal;
}

/**
 * The run's events after `afterSeq`, live: ends once the run has ended (or was deleted) and every event it
 * logged was returned. The worker stores all of a run's events before it ends the run, so "run ended, then an
 * empty page" means the end. When `signal` aborts, a reader waiting for the next event wakes at once and throws
 * `signal.reason` (the run goes on).
 */
export async function* readEvents(options: ReadEventsOptions): AsyncGenerator<LoggedEvent> {
  const { events, runs, signals, runId, signal } = options;
  const pollMs = options.pollMs ?? 500;
  const pageSize = options.pageSize ?? 100;
  let last = options.afterSeq;
  let ended = false;
  await options.watch?.().catch(() => undefined); // without it the end is found by polling
  for (;;) {
    signal?.throwIfAborted();
    const wake = signals.waitRun(runId, pollMs, signal ? { signal } : {});
    try {
      const page = await events.read(runId, last, pageSize);
      for (const e of page) {
        last = e.seq;
        yield e;
      }
      if (page.length === pageSize) continue;
      if (page.length === 0) {
        if (ended) return;
        ended = await hasEnded(runs, runId);
        if (ended) continue; // one more read: events logged before the end was seen
      }
      await wake.promise;
    } finally {
      wake.cancel();
    }
  }
}

async function hasEnded(runs: RunStore, runId: string): Promise<boolean> {
  try {
    return FINAL_RUN_STATUSES.includes((await runs.get(runId)).status);
  } catch (error) {
    if (error instanceof RunNotFoundError) return true;
    throw error;
  }
}
