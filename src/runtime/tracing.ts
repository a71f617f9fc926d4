/**
 * What the runtime needs for traces (docs/operations.md "Traces"). The runtime owns this interface; `src/tracing/`
 * implements it over OpenTelemetry, so the runtime imports no tracing library. Absent (tracing off), the runtime
 * calls nothing.
 */
import type { RunTracer } from "../engine/index.js";
import type { RunRecord, RunStatus } from "../store/records.js";

/** Receives the runtime's runs for tracing. */
export interface RunTracing {
  /**
   * The W3C `traceparent` of the caller's current span (the request creating a run), stored on the run so that
   * the replica executing it continues the trace; `undefined` when there is none.
   */
  traceparent(): string | undefined;
  /**
   * Runs one execution of `run` inside a run span (child of `run.traceparent`'s span) and ends the span when
   * `execute` settles: with the run's status, or as given back (`undefined`: lost lease, shutdown). Returns
   * `execute()`'s promise unchanged.
   */
  execution<T extends { run: { status: RunStatus } } | undefined>(
    run: RunRecord,
    execute: () => Promise<T>,
  ): Promise<T>;
  /** The engine's step and task hooks (`RunOptions.tracer`). */
  engine: RunTracer;
}
