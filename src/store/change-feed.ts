/**
 * What a store's change feed delivers (a MongoDB change stream in `mongo/change-watcher.ts`) and the runtime's
 * signal bus consumes (`src/runtime/signals.ts`). Here, in the store's leaf, so neither imports the other.
 */

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

/**
 * A source of remote changes: a function that starts watching and returns its stop function. It calls `status`
 * with `true` once the stream answered (no change is missed from then on) and `false` when it failed or ended.
 */
export type ChangeWatcher = (
  emit: (change: RunChange) => void,
  status?: (live: boolean) => void,
) => () => Promise<void>;
