/**
 * Runs one prepared task: calls the node with its context, turns the result into pending writes and classifies
 * the outcome (done / interrupted / failed). No store I/O here.
 */
import { type JsonValue, type PendingWrite, SPECIAL_WRITE_IDX } from "./checkpoint.js";
import { ERROR, INTERRUPT, NO_WRITES, RESUME, START } from "./constants.js";
import { GraphAbortedError } from "./errors.js";
import type { CompiledGraph } from "./graph-types.js";
import { childNamespace, interruptId, taskPathString } from "./ids.js";
import {
  GraphInterrupt,
  interruptCall,
  type ResumeSource,
  type TaskResumeState,
  withNodeContext,
} from "./interrupt.js";
import type { ItemStore } from "./item-store.js";
import type { TaskMessages } from "./message-stream.js";
import type { PreparedTask } from "./prepare.js";
import type { NodeContext, RunConfig } from "./types.js";
import { collectWrites, normalizeOutput } from "./writers.js";

/** An interrupt as stored in an `__interrupt__` write: `{id, value}`, plus `ns` when raised inside a subgraph. */
export type StoredInterrupt = { id: string; value: JsonValue; ns?: string[] };

/**
 * What a task execution produced; `writes` are ready for `CheckpointStore.putWrites`. An `interrupt` outcome may
 * carry no interrupt at all: a subgraph that stopped at a static breakpoint.
 */
export type TaskOutcome =
  | { kind: "done"; writes: PendingWrite[]; update: Record<string, JsonValue> | null }
  | { kind: "interrupt"; writes: PendingWrite[]; interrupts: StoredInterrupt[] }
  | { kind: "error"; writes: PendingWrite[]; error: Error };

/** What a subgraph task asks of the runner (see `TaskExecutionOptions.runSubgraph`). */
export interface SubgraphRequest {
  /** The subgraph's namespace: `"<node>:<task_id>"`, prefixed by the parent namespace and `|` when nested. */
  checkpointNs: string;
  /** The parent's state at the start of the step (its shared keys are the subgraph's input). */
  state: Record<string, JsonValue>;
  /** The parent checkpoint the task belongs to (recorded in the subgraph's `metadata.parents`). */
  parentCheckpointId: string;
  /** The run's resume value, passed on when the subgraph is paused. */
  resume?: ResumeSource;
}

/** The result of a subgraph run, as `executeTask` needs it. */
export interface SubgraphResult {
  status: "success" | "paused" | "error";
  values: Record<string, JsonValue>;
  interrupts: ReadonlyArray<{ id: string; value: JsonValue; ns: string[] }>;
  error?: Error;
}

/**
 * Inputs of `executeTask`.
 * - `state`: the state at the start of the step (routers read it plus the node's own update).
 * - `savedResume`: the task's stored `__resume__` list; `resume`: the run's resume value (first step only).
 * - `checkpointNs` / `checkpointId`: where the task runs (interrupt ids and subgraph namespaces derive from them).
 * - `runSubgraph`: runs a subgraph node (provided by the runner).
 */
export interface TaskExecutionOptions {
  graph: CompiledGraph;
  threadId: string;
  checkpointNs: string;
  checkpointId: string;
  step: number;
  state: Record<string, JsonValue>;
  config: RunConfig;
  /** The node's `ctx.context` (the run's context, parsed by the graph's context schema when it has one). */
  context: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  savedResume: readonly JsonValue[];
  resume?: ResumeSource;
  onCustom?: (chunk: JsonValue) => void;
  /** The task's message stream (`ctx.streamMessage`; messages the node writes are reported when it ends). */
  messages: TaskMessages;
  runSubgraph?: (subgraph: CompiledGraph, request: SubgraphRequest) => Promise<SubgraphResult>;
  /** The long-term memory store, handed to the node as `ctx.store`. */
  store?: ItemStore;
}

/** Pending writes of a task: special channels get their fixed idx, the others their position (docs/semantics.md §1.13). */
export function toPendingWrites(
  task: PreparedTask,
  writes: ReadonlyArray<readonly [string, JsonValue]>,
): PendingWrite[] {
  const taskPath = taskPathString(task.path);
  let position = 0;
  return writes.map(([channel, value]) => ({
    taskId: task.id,
    taskPath,
    idx: SPECIAL_WRITE_IDX[channel] ?? position++,
    channel,
    value,
  }));
}

/** The `__error__` write value of an error: `{error: <class name>, message}`. */
export function errorValue(error: Error): JsonValue {
  return { error: error.name || "Error", message: error.message };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(typeof e === "string" ? e : JSON.stringify(e));
}

/**
 * Executes `task` and never throws: node errors, invalid updates and router errors become an `error` outcome
 * (with an `__error__` write), `interrupt()` an `interrupt` outcome (with `__interrupt__` and `__resume__`
 * writes), success a `done` outcome whose writes are the node's channel writes (or a `__no_writes__` marker).
 */
export async function executeTask(task: PreparedTask, options: TaskExecutionOptions): Promise<TaskOutcome> {
  const { graph } = options;
  const node = graph.nodes.get(task.name);
  const resumeState: TaskResumeState = {
    interruptId: options.resume?.map
      ? await interruptId(task.name, task.id, options.checkpointNs)
      : undefined,
    used: [...options.savedResume],
    counter: 0,
    mapConsumed: false,
  };
  const resumeWrite = (): Array<[string, JsonValue]> =>
    resumeState.used.length > 0 ? [[RESUME, [...resumeState.used]]] : [];
  const interruptedWith = (interrupts: StoredInterrupt[]): TaskOutcome => ({
    kind: "interrupt",
    interrupts,
    writes: toPendingWrites(task, [[INTERRUPT, interrupts], ...resumeWrite()]),
  });
  const interrupted = async (signal: GraphInterrupt): Promise<TaskOutcome> =>
    interruptedWith([
      {
        id: resumeState.interruptId ?? (await interruptId(task.name, task.id, options.checkpointNs)),
        value: signal.value,
      },
    ]);
  try {
    if (!node) throw new Error(`Node ${task.name} does not exist`);
    let result: unknown = task.input;
    if (node.subgraph) {
      if (!options.runSubgraph) throw new Error(`Subgraph node ${task.name} needs a runner`);
      const sub = await options.runSubgraph(node.subgraph, {
        checkpointNs: childNamespace(options.checkpointNs, task.name, task.id),
        state: task.input as Record<string, JsonValue>,
        parentCheckpointId: options.checkpointId,
        ...(options.resume ? { resume: options.resume } : {}),
      });
      if (sub.status === "error") throw sub.error ?? new Error(`Subgraph ${task.name} failed`);
      if (sub.status === "paused") {
        return interruptedWith(sub.interrupts.map((i) => ({ id: i.id, value: i.value, ns: [...i.ns] })));
      }
      const keys = new Set(graph.stateKeys);
      result = Object.fromEntries(Object.entries(sub.values).filter(([k]) => keys.has(k)));
    } else if (node.fn) {
      const ctx: NodeContext = {
        signal: options.signal,
        config: options.config,
        context: options.context as NodeContext["context"],
        threadId: options.threadId,
        node: task.name,
        taskId: task.id,
        step: options.step,
        writer: (chunk) => options.onCustom?.(chunk),
        streamMessage: (chunk, metadata) => options.messages.chunk(chunk, metadata),
        interrupt: <R>(value: JsonValue) => interruptCall(resumeState, options.resume, value) as R,
        ...(options.store ? { store: options.store } : {}),
      };
      const fn = node.fn;
      const input = structuredClone(task.input) as Record<string, JsonValue>;
      result = await withNodeContext(ctx, () => fn(input, ctx));
    }
    if (resumeState.raised) return interrupted(resumeState.raised);
    const output = normalizeOutput(graph, task.name, result);
    options.messages.ended(output.update);
    const writes = await collectWrites(graph, node, output, options.state, options.config);
    const update =
      task.name === START ? null : output.update.length ? Object.fromEntries(output.update) : null;
    return {
      kind: "done",
      update,
      writes: toPendingWrites(task, [
        ...(writes.length ? writes : [[NO_WRITES, null] as [string, JsonValue]]),
        ...resumeWrite(),
      ]),
    };
  } catch (e) {
    if (resumeState.raised) return interrupted(resumeState.raised);
    if (e instanceof GraphInterrupt) return interrupted(e);
    const error = options.signal.aborted ? new GraphAbortedError() : asError(e);
    return { kind: "error", error, writes: toPendingWrites(task, [[ERROR, errorValue(error)]]) };
  }
}
