/**
 * One run's hub: every local waiter of a run — `waitFor` (runs/wait, join) and every event reader
 * (SSE and gRPC streams, join streams) — shares it, so an idle waiter costs memory only. The hub holds one
 * listener on the signal bus and no timer. It reads the run's status once per change of the run document (not
 * once per waiter) and the event log once per new batch, fanned out in memory to every reader that waits at that
 * position or after it. Each reader keeps its own position: one behind the hub's latest batch (a `Last-Event-ID`
 * replay, a slow reader catching up) waits for the hub to read the page after it, so one reader of the log serves
 * readers at any positions in turn. The hub keeps one page (its latest batch); a paused reader holds at most the
 * page it is in (docs/runs.md "Events", test/api/slow-reader.test.ts). Changes another replica makes arrive over
 * the change stream; while that is down, the process's one fallback poll (`run-hubs.ts`) pokes the hub.
 */
import { RunNotFoundError } from "../store/errors.js";
import {
  FINAL_RUN_STATUSES,
  type LoggedEvent,
  type RunEventStore,
  type RunQueueStore,
} from "../store/queue-store.js";
import type { RunRecord, RunStatus, ThreadStore } from "../store/records.js";
import { abortable } from "./abort.js";
import { waitBodyFromThread } from "./outcome.js";
import type { RunSignals } from "./signals.js";
import type { RunFinished } from "./types.js";

/** What a hub reads and listens to. */
export interface RunHubDeps {
  queue: Pick<RunQueueStore, "output" | "watch">;
  events: Pick<RunEventStore, "read">;
  threads: Pick<ThreadStore, "get">;
  signals: RunSignals;
  /** Events per read of the log. @default 100 */
  pageSize?: number;
}

/** What the fallback poll compares with the database to decide whether to wake a hub. */
export interface RunHubKnown {
  /** The lowest position of the readers waiting for the next batch (+∞ when none waits): a later event wakes them. */
  readersAt: number;
  /** The run's status as last read (`undefined` before the first read, or when the run is gone). */
  status: RunStatus | undefined;
}

/** The hub of one run. */
export interface RunHub {
  readonly runId: string;
  /**
   * Resolves when the run has ended, with its wait body (the stored output, else the thread's state). When
   * `signal` aborts first, rejects with `signal.reason` at once; the run goes on.
   * @throws RunNotFoundError (also when rolled back)
   */
  finished(signal?: AbortSignal): Promise<RunFinished>;
  /**
   * The run's events after `afterSeq` (−1: all), in seq order, live: ends once the run has ended (or is gone)
   * and every event it logged was returned. When `signal` aborts, a reader waiting for the next event throws
   * `signal.reason` at once.
   */
  read(afterSeq: number, signal?: AbortSignal): AsyncGenerator<LoggedEvent>;
  /**
   * Announces (once, `RunQueueStore.watch`) that this process waits for the run's end, for a run executing
   * elsewhere: its end is then broadcast on the change stream. Done before the next status read.
   */
  watch(): void;
  /** Whether anybody waits on the hub now (a reader at its position, or a `finished`). */
  waiting(): boolean;
  /** What the hub knows (for the fallback poll). */
  known(): RunHubKnown;
  /** The run's events and/or document may have changed: re-read them (the fallback poll, a reopened stream). */
  poke(change: { events: boolean; document: boolean }): void;
  /** Frees the hub's listener; call it when its last user left. */
  close(): void;
}

/** A waiter's wake-up: called once by the next publish, with the error of a failed read (else `undefined`). */
type Wake = (error: unknown) => void;

/** Creates the hub of `runId`. */
export function createRunHub(deps: RunHubDeps, runId: string): RunHub {
  const { queue, events, threads, signals } = deps;
  const pageSize = deps.pageSize ?? 100;

  // What the log and the run look like, as far as the hub has read them.
  let batch: { after: number; events: LoggedEvent[] } | undefined;
  /** The `after` of the latest read: the hub knows nothing of events at or before it that it did not keep. */
  let lastAfter = Number.NEGATIVE_INFINITY;
  let status: RunStatus | undefined;
  /** The run ended (or is gone): seen before a read, an empty page after N means no event after N ever. */
  let ended = false;
  let final: { run: RunRecord; output: RunFinished["waitBody"] | null } | undefined;
  /** Readers at or after this position are done (an empty page read after it once the run had ended). */
  let doneAfter = Number.POSITIVE_INFINITY;

  // What the pump has to do.
  let eventsDirty = true;
  let statusDirty = true;
  let watchWanted = false;
  let watched = false;

  /** Positions of the readers waiting for the next batch (a reader leaves it when a publish serves it). */
  const readers = new Map<symbol, number>();
  let endWaiters = 0;
  /**
   * Woken at the next change of the hub's knowledge, with the error of a failed read (then every waiter throws it).
   * A waiter whose signal aborts leaves the set at once: a reaction on one shared promise could not be removed, and
   * on an idle run every stream that came and went would stay reachable until the next event.
   */
  const wakes = new Set<Wake>();
  let pumping = false;
  let nudge: (() => void) | undefined;

  /** Whether a reader at `position` has something now: events of the latest batch, or its end. */
  function served(position: number): boolean {
    if (position >= doneAfter) return true;
    return (
      batch !== undefined && batch.after <= position && (batch.events.at(-1) as LoggedEvent).seq > position
    );
  }

  function publish(error?: unknown): void {
    // The readers this serves stop waiting now, so the next read starts after the ones still waiting (a reader
    // woken but not yet resumed must not hold the next read back to its old position).
    for (const [reader, position] of readers)
      if (error !== undefined || served(position)) readers.delete(reader);
    const woken = [...wakes];
    wakes.clear();
    for (const wake of woken) wake(error);
  }

  const busy = () => readers.size > 0 || endWaiters > 0;

  function kick(): void {
    if (pumping) nudge?.();
    else if (busy()) void pump();
  }

  async function readStatus(): Promise<void> {
    try {
      const { run, output } = await queue.output(runId);
      status = run.status;
      if (FINAL_RUN_STATUSES.includes(run.status)) {
        final = { run, output };
        ended = true;
      }
    } catch (error) {
      if (!(error instanceof RunNotFoundError)) throw error;
      status = undefined;
      ended = true;
    }
    if (ended) eventsDirty = true; // one more read: events logged before the end was seen
  }

  async function readPage(): Promise<void> {
    const endedBefore = ended;
    const after = Math.min(...readers.values());
    const page = await events.read(runId, after, pageSize);
    lastAfter = after;
    if (page.length > 0) {
      batch = { after, events: page };
      if (page.length === pageSize) eventsDirty = true;
      // Ended before this read and the page is not full: it returned the rest of the log.
      else if (endedBefore) doneAfter = Math.min(doneAfter, (page.at(-1) as LoggedEvent).seq);
    } else if (endedBefore) {
      doneAfter = Math.min(doneAfter, after);
    }
  }

  /** Does what the dirty flags say while anybody waits; parks (no timer) when nothing is to do. */
  async function pump(): Promise<void> {
    pumping = true;
    try {
      while (busy()) {
        if (watchWanted && !watched) {
          watched = true;
          await queue.watch(runId).catch(() => undefined); // without it the end is found by the fallback poll
          statusDirty = true;
        } else if (statusDirty && !ended) {
          statusDirty = false;
          await readStatus();
          publish();
        } else if (eventsDirty && readers.size > 0) {
          eventsDirty = false;
          await readPage();
          publish();
        } else {
          await new Promise<void>((resolve) => {
            nudge = resolve;
          });
          nudge = undefined;
        }
      }
    } catch (error) {
      // Whoever waits now gets the error (as a reader of its own would have); the next waiter retries.
      eventsDirty = true;
      statusDirty = true;
      publish(error);
    } finally {
      pumping = false;
    }
  }

  const unlisten = signals.onRun(runId, (change) => {
    eventsDirty = true;
    if (change.runDocument) statusDirty = true;
    kick();
  });

  function waitForChange(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        wakes.delete(wake);
        reject(signal?.reason);
      };
      const wake: Wake = (error) => {
        signal?.removeEventListener("abort", onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      wakes.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
      kick();
    });
  }

  async function result(): Promise<RunFinished> {
    if (!final) throw new RunNotFoundError(runId);
    const { run, output } = final;
    return { run, waitBody: output ?? waitBodyFromThread(await threads.get(run.threadId)) };
  }

  return {
    runId,

    async finished(signal) {
      signal?.throwIfAborted();
      endWaiters++;
      try {
        while (!ended) await waitForChange(signal);
        return await abortable(result(), signal);
      } finally {
        endWaiters--;
      }
    },

    async *read(afterSeq, signal) {
      let position = afterSeq;
      const me = Symbol("reader");
      try {
        for (;;) {
          signal?.throwIfAborted();
          const current = batch;
          if (current && current.after <= position) {
            const page = current.events;
            let i = page.findIndex((e) => e.seq > position);
            if (i >= 0) {
              for (; i < page.length; i++) {
                const e = page[i] as LoggedEvent;
                position = e.seq;
                yield e;
              }
              continue;
            }
          }
          if (position >= doneAfter) return;
          readers.set(me, position);
          // Behind what the hub last read (a replay, a reader that fell behind): the page after it must be read.
          if (position < lastAfter) eventsDirty = true;
          await waitForChange(signal);
        }
      } finally {
        readers.delete(me);
      }
    },

    watch() {
      if (watched) return;
      watchWanted = true;
      kick();
    },

    waiting: busy,

    known: () => ({ readersAt: Math.min(...readers.values()), status }),

    poke(change) {
      if (change.events) eventsDirty = true;
      if (change.document) statusDirty = true;
      kick();
    },

    close() {
      unlisten();
      nudge?.();
    },
  };
}
