/**
 * The seam between Loom's runtime/services and the engine that runs a graph. Everything above it (runs, threads,
 * assistants) talks to a `HostedGraph`; which engine runs a thread — Loom's own (`./loom-graph.ts`) or LangGraph.js
 * (`./langgraphjs/`) — is known only below it. Every method reads and writes checkpoints through the
 * `CheckpointStore` it is given (the runtime passes its fenced, marked store), so both engines share one store,
 * one document shape and one set of guards.
 */
import type {
  BulkUpdateOptions,
  CheckpointRef,
  CheckpointStore,
  HistoryOptions,
  JsonObject,
  RunOptions,
  RunResult,
  StateSnapshot,
  UpdateStateOptions,
} from "../engine/index.js";

/** Which engine a hosted graph runs on. */
export type GraphEngine = "loom" | "langgraphjs";

/** Options of {@link HostedGraph.getState}: the head, or one checkpoint (`checkpointId`) of a namespace. */
export interface GetStateOptions {
  threadId: string;
  checkpointId?: string;
  /** @default "" (root graph) */
  checkpointNs?: string;
  /** Fill each subgraph task's `state` (docs/api.md §8a `subgraphs`). @default false */
  subgraphs?: boolean;
}

/**
 * A registered graph, whatever engine runs it. Errors are Loom's engine errors, whichever engine runs the graph:
 * `CheckpointNotFoundError` (unknown `checkpointId`), `NodeNotFoundError` (unknown `asNode`), `InvalidUpdateError`,
 * `MultipleInterruptsError`; a run stopped by its signal ends with `status: "error"` and `GraphAbortedError`.
 */
export interface HostedGraph {
  readonly engine: GraphEngine;
  /** The graph's own name (`compile({name})`), `""` when it has none. */
  readonly name: string;
  /**
   * Checks a run's merged context against the graph's context schema (Loom graphs built with
   * `new StateGraph(schema, contextSchema)`); resolves at once for a graph without one. Writes nothing.
   * @throws InvalidContextError naming each offending field
   */
  checkContext(context: JsonObject): Promise<void>;
  /** Whether `node` names a node a breakpoint, `as_node` or `goto` may name (not `__start__`, not hidden). */
  hasNode(node: string): boolean;
  /** Runs the graph on `threadId` (docs/semantics.md §1, §2, §3, §7): see `RunOptions` and `RunResult`. */
  run(store: CheckpointStore, options: RunOptions): Promise<RunResult>;
  /** The thread's state at its head or at `checkpointId` (docs/semantics.md §4). */
  getState(store: CheckpointStore, options: GetStateOptions): Promise<StateSnapshot>;
  /** The thread's checkpoints newest first, across every branch (docs/semantics.md §6). */
  getHistory(store: CheckpointStore, options: HistoryOptions): Promise<StateSnapshot[]>;
  /** Writes one checkpoint as if `asNode` returned `values` (docs/semantics.md §5); returns its ref. */
  updateState(store: CheckpointStore, options: UpdateStateOptions): Promise<CheckpointRef>;
  /** Writes one checkpoint per superstep (docs/semantics.md §5.7); returns the last one's ref. */
  bulkUpdateState(store: CheckpointStore, options: BulkUpdateOptions): Promise<CheckpointRef>;
  /** The drawable graph of `GET /assistants/{id}/graph` (docs/api.md §3): `{nodes, edges}`. */
  drawing(): JsonObject;
  /** The schemas of `GET /assistants/{id}/schemas` (docs/api.md §3), for the graph registered as `graphId`. */
  schemas(graphId: string): JsonObject;
  /**
   * The subgraphs of `GET /assistants/{id}/subgraphs` (docs/api.md §3): `{<namespace>: {input_schema,
   * output_schema, state_schema, config_schema, context_schema}}`, keyed by the node holding each subgraph
   * (`parent|child` below it when `recurse`). With `namespace`, only the subgraph at that path (LangGraph's rule:
   * nodes whose name is a prefix of it are searched). `{}` for a graph without subgraphs.
   */
  subgraphs(namespace: string | undefined, recurse: boolean): Promise<Record<string, JsonObject>>;
}
