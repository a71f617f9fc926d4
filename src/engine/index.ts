/**
 * Public surface of the Loom graph engine: the authoring API (`StateGraph`, reducers, `START`/`END`, `Send`,
 * `Command`, `interrupt`), running and reading state (`runGraph`, `getState`, `getHistory`, `updateState`,
 * `bulkUpdateState`), events, errors and the storage contract (`CheckpointStore` and the checkpoint types).
 * Exports marked `@private` are the pure super-step functions and ids, exported for tests and tools only.
 *
 * Typical use by the API layer:
 * ```ts
 * const result = await runGraph(graph, store, { threadId, input, onEvent, metadata: { run_id, graph_id } });
 * const state = await getState(graph, store, { threadId });
 * const history = await getHistory(graph, store, { threadId, limit: 10 });
 * const ref = await updateState(graph, store, { threadId, values, asNode, checkpointId });
 * ```
 */

/** @private Internal (pure super-step function, for tests and tools): no stability promise. */
export { applyWrites, type TaskWrites } from "./apply.js";
/** @private Internal. */
export { defaultAsNode } from "./as-node.js";
/** @private Internal. */
export { shouldInterrupt } from "./breakpoints.js";
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
export * from "./checkpoint.js";
export { Command, type CommandInit, type Goto, isResumeMap, Send } from "./command.js";
export { END, START } from "./constants.js";
export {
  type ContextOf,
  type ContextSchema,
  contextJsonSchema,
  isContextSchema,
  parseContext,
} from "./context-schema.js";
export {
  AmbiguousUpdateError,
  CheckpointNotFoundError,
  EngineError,
  GraphAbortedError,
  GraphRecursionError,
  GraphValidationError,
  InterruptOutsideNodeError,
  InvalidContextError,
  InvalidUpdateError,
  MultipleInterruptsError,
  NodeNotFoundError,
  SubgraphNotFoundError,
} from "./errors.js";
export {
  checkpointRefJson,
  createEmitter,
  type Emitter,
  type EventSink,
  interruptJson,
  interruptsJson,
  type RunEvent,
  type RunEventName,
  STREAM_MODES,
  type StreamMode,
} from "./events.js";
export type { CompiledGraph } from "./graph-types.js";
/** @private Internal (ids; `newCheckpointId` is also handy for store tests). */
export { interruptId, newCheckpointId, taskId, taskPathString } from "./ids.js";
export { interrupt } from "./interrupt.js";
export {
  checkKey,
  checkNamespace,
  checkPaging,
  checkPutOptions,
  checkValue,
  type GetItemOptions,
  InvalidItemError,
  type ItemStore,
  type ListNamespacesOptions,
  type PutItemOptions,
  type SearchItemsOptions,
  type StoreItem,
} from "./item-store.js";
export type { MessageChunkLike } from "./message-stream.js";
export {
  coerceMessage,
  type Message,
  type MessageLike,
  MessagesAnnotation,
  type MessageType,
  messagesChannel,
  messagesStateReducer,
  prepareMessages,
  REMOVE_ALL_MESSAGES,
  removeMessage,
  type ToolCall,
} from "./messages.js";
export { concatMessageChunks } from "./messages-legacy.js";
export { namespacePath } from "./namespace.js";
/** @private Internal (pure super-step function). */
export { type PreparedTask, prepareTasks, stateValues } from "./prepare.js";
export type { GraphRunStatus, RunOptions, RunResult } from "./run-types.js";
export { runGraph } from "./runner.js";
export { emptySnapshot, type SnapshotTask, type StateSnapshot } from "./snapshot.js";
export { getHistory, getState, type HistoryOptions } from "./state.js";
export {
  type AddNodeOptions,
  type CompileOptions,
  StateGraph,
  type StateGraphContext,
} from "./state-graph.js";
export {
  CheckpointConflictError,
  type CheckpointQuery,
  type CheckpointStore,
  type HistoryQuery,
  type PutCheckpointInput,
  type StoreWrite,
} from "./store.js";
export type { RunTracer, StepInfo, TaskEnd, TaskInfo } from "./tracer.js";
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
export { createWriteQueue, type Durability, type WriteQueue } from "./write-queue.js";
