/**
 * What the runtime reports for metrics (docs/operations.md "Metrics"). The runtime owns this interface and calls
 * it at the few points where a run's life changes; `src/metrics/` implements it over prom-client. Every method is
 * synchronous and cheap (a counter or histogram update), so reporting never delays a run. Labels are bounded: a
 * graph id (from the served graphs) and a run status, never a run or thread id.
 */
import type { RunStatus } from "../store/records.js";

/** Graph label of a run whose graph is not known where it ended (e.g. its assistant could not be resolved). */
export const UNKNOWN_GRAPH = "unknown";

/** Receives the runtime's reports. */
export interface RunMetrics {
  /** A run was created by this process (queued, or claimed at once for a waiting caller). */
  runCreated(graphId: string): void;
  /**
   * This process started executing a run. `queueWaitSeconds`: time from when the run became available
   * (`available_at`, so a delayed run's delay does not count) to now, given for a first attempt only.
   */
  runStarted(queueWaitSeconds: number | undefined): void;
  /**
   * This process ended a run with `status`. `durationSeconds`: from the start of the execution that ended it
   * (a reclaimed run: its last attempt); `undefined` for a pending run ended by a cancel.
   */
  runEnded(graphId: string, status: RunStatus, durationSeconds: number | undefined): void;
  /** This process claimed a run whose lease had expired (its worker died or stalled). */
  leaseReclaimed(): void;
}

/** The graph id of a run's plan metadata or thread metadata (`graph_id`), or {@link UNKNOWN_GRAPH}. */
export function graphIdOf(metadata: Readonly<Record<string, unknown>> | undefined): string {
  const id = metadata?.graph_id;
  return typeof id === "string" ? id : UNKNOWN_GRAPH;
}
