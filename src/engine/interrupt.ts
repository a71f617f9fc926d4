/**
 * Dynamic interrupts (docs/semantics.md §3): the internal signal thrown by `ctx.interrupt()`, the resume
 * bookkeeping of one task, and the standalone `interrupt()` for code ported from LangGraph.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { JsonValue } from "./checkpoint.js";
import { InterruptOutsideNodeError } from "./errors.js";
import type { Interrupt, NodeContext } from "./types.js";

/** Thrown inside a node to stop it at `interrupt(value)`; caught by the runner, which adds the id. Internal. */
export class GraphInterrupt extends Error {
  override readonly name = "GraphInterrupt";
  constructor(readonly value: JsonValue) {
    super("graph interrupted");
  }
}

/**
 * The run's resume value for the first step (docs/semantics.md §3.6, §3.8): a plain value, consumed by the first
 * `interrupt()` call that has no saved value, or a map interrupt id → value, each entry used by its task.
 */
export interface ResumeSource {
  plain?: { value: JsonValue; consumed: boolean };
  map?: Readonly<Record<string, JsonValue>>;
}

/**
 * Resume state of one task execution. `used` starts as the task's stored `__resume__` list (values for calls
 * 0, 1, …) and grows as calls are answered; it is saved back as the task's `__resume__` write. `interruptId` is
 * only needed (and only computed) when the run resumes with a map.
 */
export interface TaskResumeState {
  readonly interruptId: string | undefined;
  readonly used: JsonValue[];
  counter: number;
  mapConsumed: boolean;
  raised?: GraphInterrupt;
}

/**
 * Implements `ctx.interrupt(value)` (docs/semantics.md §3.6, §3.7): the n-th call returns the n-th saved resume
 * value; otherwise the run's resume value (map entry for this interrupt id, or the plain value, consumed once);
 * otherwise it throws `GraphInterrupt` with `{id, value}`.
 */
export function interruptCall(
  state: TaskResumeState,
  source: ResumeSource | undefined,
  value: JsonValue,
): JsonValue {
  const index = state.counter++;
  if (index < state.used.length) return state.used[index] as JsonValue;
  if (
    source?.map &&
    !state.mapConsumed &&
    state.interruptId !== undefined &&
    state.interruptId in source.map
  ) {
    state.mapConsumed = true;
    const v = source.map[state.interruptId] as JsonValue;
    state.used.push(v);
    return v;
  }
  if (source?.plain && !source.plain.consumed) {
    source.plain.consumed = true;
    state.used.push(source.plain.value);
    return source.plain.value;
  }
  state.raised = new GraphInterrupt(value);
  throw state.raised;
}

/**
 * The domain `Interrupt` for a stored `{id, value, ns?}` of task `node`/`taskId` in namespace `checkpointNs`.
 * A stored `ns` (an interrupt raised inside a subgraph) is kept; otherwise `ns` is the task's namespace path.
 */
export function toInterrupt(
  stored: JsonValue,
  node: string,
  taskId: string,
  checkpointNs = "",
): Interrupt | undefined {
  if (
    typeof stored !== "object" ||
    stored === null ||
    Array.isArray(stored) ||
    typeof stored.id !== "string"
  ) {
    return undefined;
  }
  const ns = Array.isArray(stored.ns)
    ? stored.ns.map(String)
    : [...(checkpointNs ? checkpointNs.split("|") : []), `${node}:${taskId}`];
  return { id: stored.id, value: stored.value ?? null, ns, when: "during", resumable: true };
}

const currentNode = new AsyncLocalStorage<NodeContext>();

/** Runs `fn` with `ctx` as the context the standalone `interrupt()` uses. Internal (runner only). */
export function withNodeContext<T>(ctx: NodeContext, fn: () => T): T {
  return currentNode.run(ctx, fn);
}

/**
 * Standalone `interrupt(value)` for code ported from LangGraph: same as `ctx.interrupt(value)` of the node that is
 * running (found through AsyncLocalStorage). Prefer `ctx.interrupt`. Throws `InterruptOutsideNodeError` when
 * called outside a node.
 */
export function interrupt<R = JsonValue>(value: JsonValue): R {
  const ctx = currentNode.getStore();
  if (!ctx) throw new InterruptOutsideNodeError();
  return ctx.interrupt<R>(value);
}
