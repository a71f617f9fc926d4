/**
 * Errors of the engine layer. Each is a small class with structured fields so the API layer can map it to a
 * status in one place (style.md habit 3). Errors that concern threads/runs/assistants belong to the API layer.
 */

/** Base class of every engine error; `name` is the class name as the LangGraph API reports it. */
export class EngineError extends Error {}

/**
 * A write or update that the state schema cannot accept (docs/semantics.md §1.1): two writes to a last-value
 * key in one step, an unknown state key, a non-object update, or a route to an unknown node.
 * `channel` names the offending key when there is one.
 */
export class InvalidUpdateError extends EngineError {
  override readonly name = "InvalidUpdateError";
  constructor(
    message: string,
    readonly channel?: string,
  ) {
    super(message);
  }
}

/** The run executed `limit` super-steps without finishing (docs/semantics.md §1.6). */
export class GraphRecursionError extends EngineError {
  override readonly name = "GraphRecursionError";
  constructor(readonly limit: number) {
    super(
      `Recursion limit of ${limit} reached without hitting a stop condition. ` +
        "You can increase the limit by setting the recursionLimit option.",
    );
  }
}

/** `updateState` named a node the graph does not have (docs/semantics.md §5.3): "Node X does not exist". */
export class NodeNotFoundError extends EngineError {
  override readonly name = "NodeNotFoundError";
  constructor(readonly node: string) {
    super(`Node ${node} does not exist`);
  }
}

/** `updateState` without `asNode` when several nodes ran last in the same step (docs/semantics.md §5.3d). */
export class AmbiguousUpdateError extends EngineError {
  override readonly name = "AmbiguousUpdateError";
  constructor(readonly candidates: string[]) {
    super("Ambiguous update, specify as_node");
  }
}

/**
 * A plain resume value while several interrupts are pending (docs/semantics.md §3.8, Python behaviour).
 * `interruptIds` lists the pending ids; resume with a map `{[id]: value}` instead.
 */
export class MultipleInterruptsError extends EngineError {
  override readonly name = "MultipleInterruptsError";
  constructor(readonly interruptIds: string[]) {
    super(
      "When there are multiple pending interrupts, you must specify the interrupt id when resuming. " +
        `Pending interrupt ids: ${interruptIds.join(", ")}`,
    );
  }
}

/**
 * A checkpoint namespace that names no subgraph of the graph (docs/api.md §8a `checkpoint_ns`). `path` is the
 * namespace without its task ids (`"a:<id>|b:<id>"` → `"a|b"`); the message is the Python server's,
 * `Subgraph <path> not found`.
 */
export class SubgraphNotFoundError extends EngineError {
  override readonly name = "SubgraphNotFoundError";
  constructor(readonly path: string) {
    super(`Subgraph ${path} not found`);
  }
}

/** A checkpoint id that does not exist in the thread (docs/semantics.md §4, §7). */
export class CheckpointNotFoundError extends EngineError {
  override readonly name = "CheckpointNotFoundError";
  constructor(
    readonly threadId: string,
    readonly checkpointId: string,
  ) {
    super(`Checkpoint ${checkpointId} not found in thread ${threadId}`);
  }
}

/** The graph definition is invalid; raised by `StateGraph.compile()` (unknown node, dangling edge, unreachable node…). */
export class GraphValidationError extends EngineError {
  override readonly name = "GraphValidationError";
}

/** The run's `AbortSignal` fired; the step in progress was not checkpointed. */
export class GraphAbortedError extends EngineError {
  override readonly name = "GraphAbortedError";
  constructor() {
    super("The run was aborted");
  }
}

/** `interrupt()` was called outside a running node (the standalone form needs the node's context). */
export class InterruptOutsideNodeError extends EngineError {
  override readonly name = "InterruptOutsideNodeError";
  constructor() {
    super("interrupt() can only be called inside a node while the graph runs");
  }
}

/**
 * A run's context the graph's context schema refuses (`StateGraph(schema, contextSchema)`): `issues` lists each
 * offending field by its dotted path (`""` for the context itself). The message names them: `Invalid context:
 * user_id: Invalid input: expected string, received undefined`. Thrown before anything is written.
 */
export class InvalidContextError extends EngineError {
  override readonly name = "InvalidContextError";
  constructor(readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>) {
    super(
      `Invalid context: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`,
    );
  }
}
