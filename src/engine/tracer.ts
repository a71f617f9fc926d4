/**
 * The engine's tracing hook: a run given a {@link RunTracer} (`RunOptions.tracer`) runs each super-step and each
 * task inside it, so an observer can time them and nest what they do (store calls, a subgraph's steps). The engine
 * knows no tracing library: the runtime implements this over OpenTelemetry (`src/tracing/`). Without a tracer
 * nothing is called, so an untraced run pays nothing.
 */

/** The super-step being run (docs/semantics.md §1.4). */
export interface StepInfo {
  /** The step number of the checkpoint this step writes. */
  step: number;
  /** `""` at the root, the subgraph's namespace inside a subgraph. */
  checkpointNs: string;
  /** Names of the tasks the step runs (finished ones of a resumed step excluded). */
  tasks: readonly string[];
}

/** A task (a node's execution) of a super-step. */
export interface TaskInfo {
  /** The node's name. */
  name: string;
  /** The task id (docs/semantics.md §1.8). */
  taskId: string;
  step: number;
  checkpointNs: string;
}

/** How a task ended, as the tracer sees it: `error` carries the node's error, `interrupt` a pause. */
export interface TaskEnd {
  kind: "done" | "interrupt" | "error";
  error?: Error;
}

/**
 * Wraps super-steps and tasks. Each method must call `run` exactly once and return its promise's outcome
 * unchanged (a rejection included); what it does around the call must not throw.
 */
export interface RunTracer {
  step<T>(info: StepInfo, run: () => Promise<T>): Promise<T>;
  task<T extends TaskEnd>(info: TaskInfo, run: () => Promise<T>): Promise<T>;
}
