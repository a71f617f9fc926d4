/**
 * Types a graph author and the API layer see: node functions, their context, run config and interrupts.
 */

import type { JsonObject, JsonValue } from "./checkpoint.js";
import type { Command, Send } from "./command.js";
import type { ItemStore } from "./item-store.js";

/**
 * An interrupt raised by `interrupt(value)` inside a node (docs/semantics.md §3.3, DESIGN "Interrupt object").
 * - `id`: 32-hex xxh3-128 of `"<node>:<task_id>"`; the same for every `interrupt()` call of one task.
 * - `ns`: `["<node>:<task_id>"]`; `when` and `resumable` are constant (legacy fields the API shows).
 */
export interface Interrupt {
  id: string;
  value: JsonValue;
  ns: string[];
  when: "during";
  resumable: true;
}

/**
 * Run configuration handed to nodes as `ctx.config` and merged into checkpoint metadata (docs/semantics.md §1.11).
 * - `configurable`: free-form keys (e.g. `user_id`); primitive values are copied into metadata.
 * - `metadata`: run metadata; primitive values are copied into checkpoint metadata.
 * - `recursionLimit`: most super-steps per run. @default 25
 * - `context`: the run's static context (docs/api.md §5 `context`: the assistant's merged with the run's), which
 *   nodes read as `ctx.context`; never copied into checkpoint metadata. @default {}
 */
export interface RunConfig {
  configurable?: Record<string, JsonValue>;
  context?: Record<string, JsonValue>;
  metadata?: Record<string, JsonValue>;
  tags?: string[];
  recursionLimit?: number;
}

/**
 * What a node receives next to its state. Explicit, no ambient globals (style.md anti-pattern 4).
 * - `signal`: fires when the run is aborted; long-running nodes should honour it.
 * - `writer(chunk)`: emits a `custom` stream event.
 * - `streamMessage(chunk, metadata?)`: streams a chunk of a chat message (`messages-tuple` / `messages` modes). A
 *   string is a token of an AI message; an object is a message chunk (`{content, id?, type?: "ai",
 *   tool_call_chunks?…}`). Chunks without an id share one id per task; it is returned, so the node can write
 *   the whole message under the same id (then it is not streamed a second time). `metadata` is added to the
 *   event's metadata (e.g. `ls_model_name`).
 * - `interrupt(value)`: pauses the graph (docs/semantics.md §3). On the first call it stops the node; after a
 *   resume the node re-runs from its first line and the n-th call returns the n-th resume value (docs/semantics.md §3.6, §3.7).
 *   It stops the node by throwing an internal signal: do not catch it (if caught, the task still interrupts).
 * - `context`: typed `C`, the output type of the graph's context schema (`new StateGraph(schema, contextSchema)`);
 *   without a schema, a free-form JSON object.
 */
export interface NodeContext<C = Record<string, JsonValue>> {
  readonly signal: AbortSignal;
  readonly config: RunConfig;
  /**
   * The run's static context, LangGraph's runtime context: `config.context` (`{}` when none), or, when the graph
   * has a context schema, the schema's output for it (defaults applied; docs/assistants.md "Context schema").
   */
  readonly context: Readonly<C>;
  readonly threadId: string;
  readonly node: string;
  readonly taskId: string;
  /** The super-step this task belongs to (checkpoint step + 1). */
  readonly step: number;
  writer(chunk: JsonValue): void;
  streamMessage(chunk: string | JsonObject, metadata?: JsonObject): string;
  interrupt<R = JsonValue>(value: JsonValue): R;
  /** The long-term memory store shared by every thread (`RunOptions.store`, docs/store.md); absent without one. */
  readonly store?: ItemStore;
}

/** What a node may return: a state update, a `Command` (update + goto), or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: a node written as a function that returns nothing must type-check.
export type NodeResult<U> = U | Command<U> | undefined | null | void;

/** A node: `async (state, ctx) => update | Command | void`; `C` types `ctx.context` (see `NodeContext`). */
export type NodeFn<S, U, C = Record<string, JsonValue>> = (
  state: S,
  ctx: NodeContext<C>,
) => NodeResult<U> | Promise<NodeResult<U>>;

/** Where a router may send the graph: node names (or `END`), `Send` packets, or a list of them. */
export type RouteResult = string | Send | Array<string | Send>;

/**
 * A conditional-edge router. It reads the state as the source node left it (its own writes applied) and
 * returns destinations; with a path map, the returned keys are mapped to node names.
 */
export type Router<S> = (state: S, ctx: { readonly config: RunConfig }) => RouteResult | Promise<RouteResult>;

/** Node names or `"*"` (every node except hidden ones), for `interruptBefore` / `interruptAfter` (docs/semantics.md §2). */
export type BreakpointList = readonly string[] | "*";
