/**
 * `runGraph`: the thin I/O runner over a `CheckpointStore`.
 */
import { effectiveBreakpoints } from "./breakpoints.js";
import { Command } from "./command.js";
import { DEFAULT_RECURSION_LIMIT } from "./constants.js";
import { parseContext } from "./context-schema.js";
import { CheckpointNotFoundError } from "./errors.js";
import { createEmitter } from "./events.js";
import type { CompiledGraph } from "./graph-types.js";
import { createMessageStream } from "./message-stream.js";
import { runMetadata } from "./metadata.js";
import { applyNullWrites } from "./pending.js";
import { prepareTasks, stateValues } from "./prepare.js";
import { runLoop } from "./run-loop.js";
import { startContinue, startWithCommand, startWithInput } from "./run-start.js";
import type { SubgraphRequest } from "./run-task.js";
import type { LoopStart, RunContext, RunOptions, RunResult } from "./run-types.js";
import type { CheckpointStore } from "./store.js";
import { createWriteQueue, type WriteQueue } from "./write-queue.js";

/** The signal of runs started without one. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs `graph` on thread `options.threadId` (docs/semantics.md §1–§3, §7) and resolves when the run ends:
 * - `input` (object): new input; writes an `input` checkpoint (step −1 on a fresh thread, else head step + 1,
 *   parent = head or `checkpointId`), then one `loop` checkpoint per super-step.
 * - `command`: resume / update / goto a paused thread (docs/semantics.md §3); null-task writes are saved on the base checkpoint.
 * - neither: continue from the head (resume after a breakpoint, re-run failed tasks), or replay from
 *   `checkpointId` (a `fork` checkpoint is written when it is not the head, docs/semantics.md §7.1). Nothing pending → no
 *   checkpoint, `status: "success"` with the current values (docs/semantics.md §2.7).
 *
 * Returns `{status, values, interrupts, next, checkpoint, error?}`; node errors, `GraphRecursionError`,
 * `InvalidUpdateError` from a node and aborts are reported with `status: "error"` (the failed task gets an
 * `__error__` write, siblings keep theirs, docs/semantics.md §1.14).
 * Throws (before anything is written) `CheckpointNotFoundError` for an unknown `checkpointId`,
 * `MultipleInterruptsError` for a plain resume with several pending interrupts, `InvalidUpdateError` for a
 * non-object input or a Command naming unknown keys/nodes; store errors propagate.
 * Emits events to `options.onEvent` as it goes (see `RunEvent`).
 */
export function runGraph(
  graph: CompiledGraph,
  store: CheckpointStore,
  options: RunOptions,
): Promise<RunResult> {
  return runGraphAt(graph, store, options, { checkpointNs: "", parents: {} });
}

/**
 * Where a run writes: its namespace, the `metadata.parents` of its checkpoints and, for a subgraph, the write queue
 * of its parent run (shared, so the whole run's writes stay in one order and batch together; the root run
 * flushes it).
 */
interface Placement {
  checkpointNs: string;
  parents: Record<string, string>;
  writes?: WriteQueue;
  /** The context the parent's nodes see (its schema's output), inherited by a subgraph without a schema. */
  context?: Readonly<Record<string, unknown>>;
}

/**
 * Runs subgraph `subgraph` for a task of run `parent` in namespace `request.checkpointNs`: a paused subgraph (its
 * head has tasks) is resumed, passing the run's resume value on (a plain value is consumed here); otherwise the
 * subgraph starts with the parent state's keys it shares as input.
 */
async function runSubgraph(
  parent: RunContext,
  subgraph: CompiledGraph,
  request: SubgraphRequest,
): Promise<RunResult> {
  const { checkpointNs } = request;
  const head = await parent.store.getTuple({ threadId: parent.threadId, checkpointNs });
  const paused =
    head !== undefined &&
    prepareTasks(applyNullWrites(head.checkpoint, subgraph, head.pendingWrites), subgraph, {
      step: head.metadata.step + 1,
      checkpointNs,
    }).length > 0;
  let start: Pick<RunOptions, "input" | "command">;
  if (paused) {
    const plain = request.resume?.plain;
    const resume = request.resume?.map ?? (plain && !plain.consumed ? plain.value : undefined);
    if (plain && resume !== undefined) plain.consumed = true;
    start = resume !== undefined ? { command: new Command({ resume }) } : { input: null };
  } else {
    const keys = new Set(subgraph.stateKeys);
    start = { input: Object.fromEntries(Object.entries(request.state).filter(([k]) => keys.has(k))) };
  }
  return runGraphAt(
    subgraph,
    parent.store,
    {
      threadId: parent.threadId,
      ...start,
      config: parent.config,
      metadata: parent.metadata,
      signal: parent.signal,
      recursionLimit: parent.recursionLimit,
      ...(parent.tracer ? { tracer: parent.tracer } : {}),
      ...(parent.itemStore ? { store: parent.itemStore } : {}),
      ...(parent.subgraphEvents
        ? {
            subgraphs: true,
            onEvent: (e) => parent.subgraphEvents?.sink({ ...e, ns: e.ns ?? checkpointNs }),
            ...(parent.subgraphEvents.modes ? { streamMode: parent.subgraphEvents.modes } : {}),
          }
        : {}),
    },
    {
      checkpointNs,
      parents: { ...parent.parents, [parent.checkpointNs]: request.parentCheckpointId },
      writes: parent.writes,
      context: parent.context,
    },
  );
}

async function runGraphAt(
  graph: CompiledGraph,
  store: CheckpointStore,
  options: RunOptions,
  placement: Placement,
): Promise<RunResult> {
  const { threadId } = options;
  const { checkpointNs } = placement;
  const config = options.config ?? {};
  // Validated first, so a refused context writes nothing. A subgraph with its own schema parses the run's
  // context as given (a schema's transforms need not accept their own output).
  const context = graph.contextSchema
    ? await parseContext(graph.contextSchema, config.context ?? {})
    : (placement.context ?? config.context ?? {});
  const head = await store.getTuple({ threadId, checkpointNs });
  let base = head;
  if (options.checkpointId !== undefined && options.checkpointId !== head?.checkpoint.id) {
    base = await store.getTuple({ threadId, checkpointNs, checkpointId: options.checkpointId });
    if (!base) throw new CheckpointNotFoundError(threadId, options.checkpointId);
  }
  const isHead = base !== undefined && base.checkpoint.id === head?.checkpoint.id;
  const emitter = createEmitter(options.onEvent, options.streamMode);
  const metadata = runMetadata(config, options.metadata);
  const ctx: RunContext = {
    graph,
    store,
    threadId,
    checkpointNs,
    config: {
      ...config,
      configurable: { ...config.configurable, thread_id: threadId, checkpoint_ns: checkpointNs },
    },
    context,
    metadata,
    signal: options.signal ?? NEVER_ABORTED,
    emitter,
    messages: createMessageStream({ emitter, graph, metadata, config, checkpointNs }),
    interruptBefore: effectiveBreakpoints(graph.interruptBefore, options.interruptBefore),
    interruptAfter: effectiveBreakpoints(graph.interruptAfter, options.interruptAfter),
    recursionLimit: options.recursionLimit ?? config.recursionLimit ?? DEFAULT_RECURSION_LIMIT,
    floorIds: head ? [head.checkpoint.id] : [],
    writes: placement.writes ?? createWriteQueue(options.durability ?? "sync", store),
    parents: placement.parents,
    ...(options.subgraphs && options.onEvent
      ? {
          subgraphEvents: {
            sink: options.onEvent,
            ...(options.streamMode ? { modes: options.streamMode } : {}),
          },
        }
      : {}),
    runSubgraph: (subgraph, request) => runSubgraph(ctx, subgraph, request),
    ...(options.tracer ? { tracer: options.tracer } : {}),
    ...(options.store ? { itemStore: options.store } : {}),
  };
  let start: LoopStart | undefined;
  if (options.command) start = await startWithCommand(ctx, base, options.command);
  else if (options.input !== undefined && options.input !== null)
    start = await startWithInput(ctx, base, options.input);
  else start = await startContinue(ctx, base, isHead);
  // A subgraph's writes are flushed by the root run, which owns the queue.
  const flush = () => (placement.writes ? Promise.resolve() : ctx.writes.flush());
  if (!start) {
    await flush();
    const values = base
      ? stateValues(applyNullWrites(base.checkpoint, graph, base.pendingWrites), graph)
      : {};
    ctx.emitter.emit("values", values);
    return {
      status: "success",
      values,
      interrupts: [],
      next: [],
      checkpoint: base ? { threadId, checkpointNs, checkpointId: base.checkpoint.id } : null,
    };
  }
  const result = await runLoop(ctx, start);
  await flush();
  return result;
}
