/**
 * Public surface of the Loom graph engine. Symbols above the "internals" marker are for graph authors and the API
 * layer; the pure super-step functions below it are exported for tests and tools.
 *
 * Typical use by the API layer:
 * ```ts
 * const result = await runGraph(graph, store, { threadId, input, onEvent, metadata: { run_id, graph_id } });
 * const state = await getState(graph, store, { threadId });
 * const history = await getHistory(graph, store, { threadId, limit: 10 });
 * const ref = await updateState(graph, store, { threadId, values, asNode, checkpointId });
 * ```
 */

// Internals: pure super-step functions and ids (@private, for tests and tools; no stability promise).
export { applyWrites, type TaskWrites } from "./apply.js";
export { defaultAsNode } from "./as-node.js";
export { shouldInterrupt } from "./breakpoints.js";
// Authoring
export {
  append,
  type ChannelSpec,
  lastValue,
  merge,
  type Reducer,
  reducer,
  type StateOf,
  type StateSchema,
  type UpdateOf,
} from "./channels.js";
// Storage contract
export * from "./checkpoint.js";
export { Command, type CommandInit, type Goto, isResumeMap, Send } from "./command.js";
export { END, START } from "./constants.js";
// Errors
export {
  AmbiguousUpdateError,
  CheckpointNotFoundError,
  EngineError,
  GraphAbortedError,
  GraphRecursionError,
  GraphValidationError,
  InterruptOutsideNodeError,
  InvalidUpdateError,
  MultipleInterruptsError,
  NodeNotFoundError,
} from "./errors.js";
export {
  checkpointRefJson,
  type EventSink,
  interruptsJson,
  type RunEvent,
  STREAM_MODES,
  type StreamMode,
} from "./events.js";
export type { CompiledGraph } from "./graph-types.js";
export { interruptId, newCheckpointId, taskId, taskPathString } from "./ids.js";
export { interrupt } from "./interrupt.js";
export { type PreparedTask, prepareTasks, stateValues } from "./prepare.js";
export type { RunOptions, RunResult, RunStatus } from "./run-types.js";
// Running and reading state
export { runGraph } from "./runner.js";
export type { SnapshotTask, StateSnapshot } from "./snapshot.js";
export { getHistory, getState, type HistoryOptions } from "./state.js";
export { type AddNodeOptions, type CompileOptions, StateGraph } from "./state-graph.js";
export {
  CheckpointConflictError,
  type CheckpointQuery,
  type CheckpointStore,
  type HistoryQuery,
  type PutCheckpointInput,
} from "./store.js";
export type {
  BreakpointList,
  Interrupt,
  NodeContext,
  NodeFn,
  NodeResult,
  RouteResult,
  Router,
  RunConfig,
} from "./types.js";
export {
  type BulkUpdateOptions,
  bulkUpdateState,
  type StateUpdate,
  type UpdateStateOptions,
  updateState,
} from "./update-state.js";
