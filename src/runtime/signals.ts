/**
 * Wake-ups for the runtime: "run R changed" (events appended, status changed, cancel requested) and "work may be
 * available" (a run was created or ended). Local notifications come from this process; a MongoDB change stream
 * (when `watch` is given) brings the other replicas' changes. Nothing depends on a signal arriving: every waiter
 * also polls, so a signal only cuts latency.
 */

/** A pending wake-up: resolves on the next signal for its run or after its timeout. */
export interface WakeUp {
  promise: Promise<void>;
  /** Stops waiting (resolves now, frees the listener). */
  cancel(): void;
}

/** A change seen on the database (from a change stream) or made locally. */
export interface RunChange {
  runId: string;
  /** `true` when the run's status or `cancel_requested` changed, or it was created or deleted. */
  runDocument: boolean;
  /** Set when the change was a cancel request for the run. */
  cancel?: "interrupt" | "rollback";
  /** A run may be claimable now: one was queued (`pending`) or released, or a run ended with runs queued behind it. */
  work?: boolean;
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
  /** Reports a change (local writers, and the change stream). */
  notify(change: RunChange): void;
  /** Stops the change stream. */
  close(): Promise<void>;
}

/** A source of remote changes: a function that starts watching and returns its stop function. */
export type ChangeWatcher = (emit: (change: RunChange) => void) => () => Promise<void>;

/** Creates the bus; `watch` (optional) feeds it the other processes' changes. */
export function createRunSignals(watch?: ChangeWatcher): RunSignals {
  const perRun = new Map<string, Set<(change: RunChange) => void>>();
  const documentListeners = new Set<(change: RunChange) => void>();

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
    notify(change) {
      for (const fn of [...(perRun.get(change.runId) ?? [])]) fn(change);
      if (change.runDocument) for (const fn of documentListeners) fn(change);
    },
    close: async () => undefined,
  };
  if (watch) {
    const stop = watch((change) => bus.notify(change));
    bus.close = stop;
  }
  return bus;
}
