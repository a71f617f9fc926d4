/**
 * The authoring API (DESIGN "Engine authoring API"), close to LangGraph.js:
 *
 * ```ts
 * const graph = new StateGraph({ log: append<string>() })
 *   .addNode("a", async (state, ctx) => ({ log: ["a"] }))
 *   .addNode("b", async () => ({ log: ["b"] }))
 *   .addEdge(START, "a")
 *   .addConditionalEdges("a", (s) => (s.log.length > 3 ? END : "b"))
 *   .addEdge("b", END)
 *   .compile({ interruptBefore: ["b"] });
 * ```
 *
 * A context schema (any Standard Schema, e.g. zod) types `ctx.context` and validates each run's context, as
 * LangGraph.js's `new StateGraph(State, ContextSchema)` does:
 *
 * ```ts
 * const graph = new StateGraph({ answer: lastValue<string>() }, z.object({ user: z.string(), lang: z.string().default("en") }))
 *   .addNode("greet", (_s, ctx) => ({ answer: `${ctx.context.lang}: hi ${ctx.context.user}` }))
 * ```
 */
import type { StateOf, StateSchema, UpdateOf } from "./channels.js";
import type { JsonValue } from "./checkpoint.js";
import { compileGraph, type GraphDefinition } from "./compile.js";
import { type ContextSchema, isContextSchema } from "./context-schema.js";
import { GraphValidationError } from "./errors.js";
import type { CompiledGraph, ErasedNodeFn } from "./graph-types.js";
import type { BreakpointList, NodeFn, Router } from "./types.js";

/** Options of `addNode`. `ends`: nodes this node may reach with `Command.goto` (counts for reachability). */
export interface AddNodeOptions {
  ends?: readonly string[];
}

/**
 * Options of `compile()`.
 * - `interruptBefore` / `interruptAfter`: node names or `"*"`; apply to every run unless a run passes its own
 *   non-empty list (docs/semantics.md §2.3). @default []
 * - `name`: graph name used in events. @default "LangGraph"
 */
export interface CompileOptions {
  interruptBefore?: BreakpointList;
  interruptAfter?: BreakpointList;
  name?: string;
}

/** The second argument of `new StateGraph(schema, …)`: a context schema, or LangGraph.js's `{ context }` options. */
export type StateGraphContext<C> = ContextSchema<C> | { context?: ContextSchema<C> };

/**
 * Builder of a state graph over schema `S` (key → `ChannelSpec`, see `channels.ts`); nodes see `ctx.context` as
 * `C`, the output type of the context schema (a free-form JSON object without one).
 * Every method returns `this`; `compile()` validates and throws `GraphValidationError`.
 */
export class StateGraph<S extends StateSchema, C = Record<string, JsonValue>> {
  private readonly def: GraphDefinition;

  /**
   * `schema`: the state schema. Keys must not start with `__` or contain `:`.
   * `context`: the context schema (a Standard Schema such as a zod object), as is or as `{ context }`. Each run's
   * context is validated against it before the run starts (`InvalidContextError`), and nodes see the schema's
   * output (defaults applied). @default none: `ctx.context` is the run's context as given.
   */
  constructor(schema: S, context?: StateGraphContext<C>) {
    const contextSchema = isContextSchema(context) ? context : context?.context;
    this.def = {
      schema,
      ...(contextSchema ? { contextSchema: contextSchema as ContextSchema } : {}),
      nodes: new Map(),
      edges: [],
      joins: [],
      branches: [],
    };
  }

  /**
   * Adds node `name` running `fn(state, ctx)`. `I` is what the node receives: the state by default, or the `Send`
   * args for a map-reduce worker (annotate the parameter). `fn` may also be a compiled graph: a subgraph that runs
   * in its own checkpoint namespace `"<name>:<task_id>"`, receives the parent state's keys it shares and returns
   * its final values. Throws `GraphValidationError` for a duplicate name.
   */
  addNode<I = StateOf<S>>(
    name: string,
    fn: NodeFn<I, UpdateOf<S>, C> | CompiledGraph,
    options: AddNodeOptions = {},
  ): this {
    if (this.def.nodes.has(name)) throw new GraphValidationError(`Node \`${name}\` already present`);
    if (typeof fn === "function") {
      this.def.nodes.set(name, { fn: fn as unknown as ErasedNodeFn, ends: options.ends ?? [] });
    } else {
      this.def.nodes.set(name, { fn: null, subgraph: fn, ends: options.ends ?? [] });
    }
    return this;
  }

  /**
   * Adds an edge. `from` may be a list: `addEdge(["a", "b"], "c")` runs `c` once both `a` and `b` have run
   * (a join, docs/semantics.md §1.2). Several edges from one node fan out in parallel.
   */
  addEdge(from: string | readonly string[], to: string): this {
    if (typeof from === "string") this.def.edges.push([from, to]);
    else if (from.length === 1 && from[0] !== undefined) this.def.edges.push([from[0], to]);
    else this.def.joins.push({ sources: [...from], target: to });
    return this;
  }

  /**
   * Adds a conditional edge from `source`. `router(state)` returns node names, `END`, `Send` packets or a list;
   * `pathMap` (a list of node names, or router result → node name) restricts and maps the results.
   */
  addConditionalEdges(
    source: string,
    router: Router<StateOf<S>>,
    pathMap?: readonly string[] | Readonly<Record<string, string>>,
  ): this {
    const map = Array.isArray(pathMap)
      ? Object.fromEntries(pathMap.map((n) => [n, n]))
      : (pathMap as Record<string, string> | undefined);
    this.def.branches.push({
      source,
      router: router as unknown as GraphDefinition["branches"][number]["router"],
      ...(map ? { pathMap: map } : {}),
    });
    return this;
  }

  /** Validates the definition and returns the compiled graph (see `compileGraph` for the checks). */
  compile(options: CompileOptions = {}): CompiledGraph {
    return compileGraph(this.def, options);
  }
}
