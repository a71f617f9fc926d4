/**
 * The compiled, type-erased form of a graph that the pure super-step functions and the runner read.
 * Produced by `StateGraph.compile()`; treat it as immutable.
 */
import type { JsonValue } from "./checkpoint.js";
import type { ContextSchema } from "./context-schema.js";
import type { BreakpointList, NodeContext, RouteResult, RunConfig } from "./types.js";

/**
 * How a channel behaves when written (docs/semantics.md §1.1, §1.2):
 * - `state`: a state key; last value (no reducer) or folded through `reducer`; `prepare` normalises each write
 *   before it is stored; `messages` marks a key of chat messages (their writes are streamed).
 * - `ephemeral`: `__start__`, `branch:to:<node>`; cleared at the end of a step in which it was not written.
 * - `barrier`: `join:<a>+<b>:<node>`; collects source names, available once all `names` are in, reset when consumed.
 * - `topic`: `__pregel_tasks`; holds this step's `Send` packets, replaced every step.
 */
export type ChannelDef =
  | {
      kind: "state";
      reducer?: (current: JsonValue, update: JsonValue) => JsonValue;
      default?: () => JsonValue;
      prepare?: (update: JsonValue) => JsonValue;
      messages?: true;
    }
  | { kind: "ephemeral" }
  | { kind: "barrier"; names: readonly string[] }
  | { kind: "topic" };

/** A conditional edge after the compile step. */
export interface CompiledBranch {
  readonly router: (
    state: Record<string, JsonValue>,
    ctx: { config: RunConfig },
  ) => RouteResult | Promise<RouteResult>;
  /** Router result → node name; absent means the result is the node name. */
  readonly pathMap?: Readonly<Record<string, string>>;
}

/** Type-erased node function. */
export type ErasedNodeFn = (state: Record<string, JsonValue>, ctx: NodeContext) => unknown;

/**
 * A node after the compile step. `START` is a node too (hidden, `fn` null, no subgraph: it maps the input to
 * state keys).
 * - `triggers`: channels whose new versions schedule the node (`branch:to:<name>`, join channels).
 * - `edges`: single-target successors (never `END`). `joins`: join channels this node feeds.
 */
export interface CompiledNode {
  readonly name: string;
  readonly fn: ErasedNodeFn | null;
  /** Set when the node is a subgraph (then `fn` is `null`). */
  readonly subgraph?: CompiledGraph;
  readonly triggers: readonly string[];
  readonly edges: readonly string[];
  readonly joins: readonly string[];
  readonly branches: readonly CompiledBranch[];
  readonly hidden: boolean;
}

/**
 * A compiled graph: what `runGraph`, `getState`, `getHistory` and `updateState` take.
 * - `stateKeys`: the state schema's keys, in declaration order.
 * - `nodes`: every node including `START`, in declaration order (START first).
 * - `interruptBefore` / `interruptAfter`: compile-time breakpoints (docs/semantics.md §2.3).
 * - `contextSchema`: the schema each run's context is validated against (`new StateGraph(schema, contextSchema)`).
 */
export interface CompiledGraph {
  readonly name: string;
  readonly stateKeys: readonly string[];
  readonly channels: ReadonlyMap<string, ChannelDef>;
  readonly nodes: ReadonlyMap<string, CompiledNode>;
  readonly interruptBefore: BreakpointList;
  readonly interruptAfter: BreakpointList;
  readonly contextSchema?: ContextSchema;
}
