/**
 * Wake-ups for the runtime: "run R changed" (events appended, status changed, cancel requested) and "work may be
 * available" (a run was created or ended). Local notifications come from this process; a MongoDB change stream
 * (when `watch` is given) brings the other replicas' changes. The bus knows whether that stream is live (`live`):
 * while it is, a waiter need not poll at all; while it is down (or before it first answered), the runtime's one
 * fallback poll per process (`run-hubs.ts`) stands in for it, so nothing depends on a signal arriving.
 */
import type { ChangeWatcher, RunChange } from "../store/change-feed.js";

/** A pending wake-up: resolves on the next signal for its run or after its timeout. */
export interface WakeUp {
  promise: Promise<void>;
  /** Stops waiting (resolves now, frees the listener). */
  cancel(): void;
}

/** Options of {@link RunSignals.waitRun}. */
export interface WaitRunOptions {
  /** Appended events do not wake it (only changes of the run document: status, cancel, creation, deletion). */
  documentOnly?: boolean;
  /** Wakes it (and frees its listener and timer) when it aborts, e.g. at the request's deadline. */
  signal?: AbortSignal;
}

/** The signal bus. */
export interface RunSignals {
  /** Wakes when `runId` changes, after `timeoutMs`, or when `options.signal` aborts. */
  waitRun(runId: string, timeoutMs: number, options?: WaitRunOptions): WakeUp;
  /** Wake-ups waiting now (all runs): each holds a listener and a timer until it wakes or is cancelled. */
  pending(): number;
  /** Calls `fn` on every change of a run document (all runs). Returns the unsubscribe function. */
  onRunDocument(fn: (change: RunChange) => void): () => void;
  /**
   * Calls `fn` on every change of `runId` (events, document) until the returned function is called: one
   * listener, no timer (the per-run hub of `run-hub.ts`).
   */
  onRun(runId: string, fn: (change: RunChange) => void): () => void;
  /** Calls `fn` on every change of every run (events and documents), e.g. to notice a thread's new runs. */
  onAnyRun(fn: (change: RunChange) => void): () => void;
  /**
   * Whether the change stream is live: it answered and has not failed since, so every change of another replica
   * arrives. `false` without a watcher, before its first answer and while it is reopened.
   */
  live(): boolean;
  /** Calls `fn` whenever {@link RunSignals.live} changes. Returns the unsubscribe function. */
  onLive(fn: (live: boolean) => void): () => void;
  /** Reports a change (local writers, and the change stream). */
  notify(change: RunChange): void;
  /** Stops the change stream. */
  close(): Promise<void>;
}

/** Creates the bus; `watch` (optional) feeds it the other processes' changes. */
export function createRunSignals(watch?: ChangeWatcher): RunSignals {
  const perRun = new Map<string, Set<(change: RunChange) => void>>();
  const documentListeners = new Set<(change: RunChange) => void>();
  const anyListeners = new Set<(change: RunChange) => void>();
  const liveListeners = new Set<(live: boolean) => void>();
  let live = false;

  const bus: RunSignals = {
    waitRun(runId, timeoutMs, options = {}) {
      const { documentOnly = false, signal } = options;
      if (signal?.aborted) return { promise: Promise.resolve(), cancel: () => undefined };
      const set = perRun.get(runId) ?? new Set();
      perRun.set(runId, set);
      let timer: NodeJS.Timeout | undefined;
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        set.delete(listener);
        if (set.size === 0 && perRun.get(runId) === set) perRun.delete(runId);
        resolve();
      };
      const listener = (change: RunChange) => {
        if (!documentOnly || change.runDocument) done();
      };
      set.add(listener);
      timer = setTimeout(done, timeoutMs);
      signal?.addEventListener("abort", done, { once: true });
      return { promise, cancel: done };
    },
    pending() {
      let n = 0;
      for (const set of perRun.values()) n += set.size;
      return n;
    },
    onRunDocument(fn) {
      documentListeners.add(fn);
      return () => documentListeners.delete(fn);
    },
    onRun(runId, fn) {
      const set = perRun.get(runId) ?? new Set();
      perRun.set(runId, set);
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0 && perRun.get(runId) === set) perRun.delete(runId);
      };
    },
    onAnyRun(fn) {
      anyListeners.add(fn);
      return () => anyListeners.delete(fn);
    },
    live: () => live,
    onLive(fn) {
      liveListeners.add(fn);
      return () => liveListeners.delete(fn);
    },
    notify(change) {
      for (const fn of [...(perRun.get(change.runId) ?? [])]) fn(change);
      if (change.runDocument) for (const fn of documentListeners) fn(change);
      for (const fn of [...anyListeners]) fn(change);
    },
    close: async () => undefined,
  };
  if (watch) {
    const stop = watch(
      (change) => bus.notify(change),
      (now) => {
        if (now === live) return;
        live = now;
        for (const fn of [...liveListeners]) fn(now);
      },
    );
    bus.close = stop;
  }
  return bus;
}
