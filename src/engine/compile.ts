/**
 * Validation and compilation of a `StateGraph` definition into a `CompiledGraph`.
 */

import type { ChannelSpec } from "./channels.js";
import type { JsonValue } from "./checkpoint.js";
import { BRANCH_PREFIX, END, JOIN_PREFIX, START, TASKS } from "./constants.js";
import type { ContextSchema } from "./context-schema.js";
import { GraphValidationError } from "./errors.js";
import type { ChannelDef, CompiledBranch, CompiledGraph, CompiledNode, ErasedNodeFn } from "./graph-types.js";
import type { BreakpointList } from "./types.js";

/** The raw definition collected by `StateGraph`. */
export interface GraphDefinition {
  schema: Record<string, ChannelSpec<JsonValue, unknown>>;
  /** The context schema given to `new StateGraph(schema, contextSchema)`, if any. */
  contextSchema?: ContextSchema;
  nodes: Map<string, { fn: ErasedNodeFn | null; subgraph?: CompiledGraph; ends: readonly string[] }>;
  edges: Array<[string, string]>;
  joins: Array<{ sources: string[]; target: string }>;
  branches: Array<{ source: string; router: CompiledBranch["router"]; pathMap?: Record<string, string> }>;
}

/** Trigger channel of a node (docs/semantics.md §1.2). */
export function branchChannel(node: string): string {
  return `${BRANCH_PREFIX}${node}`;
}

/** Join channel of a multi-source edge: `join:<a>+<b>:<target>` (docs/semantics.md §1.2). */
export function joinChannel(sources: readonly string[], target: string): string {
  return `${JOIN_PREFIX}${sources.join("+")}:${target}`;
}

function fail(message: string): never {
  throw new GraphValidationError(message);
}

function checkName(name: string, what: string): void {
  if (name.startsWith("__") || name.includes(":") || name.includes("|") || name === "") {
    fail(`${what} name \`${name}\` is reserved or invalid (no leading "__", no ":" or "|")`);
  }
}

function checkBreakpoints(
  list: BreakpointList | undefined,
  nodes: ReadonlySet<string>,
  which: string,
): BreakpointList {
  if (list === undefined) return [];
  if (list === "*") return "*";
  for (const n of list) if (!nodes.has(n)) fail(`${which} names unknown node \`${n}\``);
  return [...list];
}

/**
 * Validates `def` and builds the compiled graph. Throws `GraphValidationError` when:
 * a node or state key name is reserved, a node name is also a state key, an edge starts at `END` or ends at
 * `START`, an edge/branch/path map/`ends` names an unknown node (dangling edge), the graph has no edge from
 * `START`, a node is unreachable from `START`, or a breakpoint names an unknown node.
 */
export function compileGraph(
  def: GraphDefinition,
  options: { interruptBefore?: BreakpointList; interruptAfter?: BreakpointList; name?: string },
): CompiledGraph {
  const names = new Set(def.nodes.keys());
  for (const key of Object.keys(def.schema)) checkName(key, "State key");
  for (const n of names) {
    checkName(n, "Node");
    if (n in def.schema) fail(`Node name \`${n}\` is already used as a state key`);
  }
  const source = (n: string) =>
    n === START || names.has(n) || fail(`Found edge starting at unknown node \`${n}\``);
  const target = (n: string) =>
    n === END || names.has(n) || fail(`Found edge ending at unknown node \`${n}\``);
  for (const [from, to] of def.edges) {
    if (from === END) fail("END cannot be the start of an edge");
    if (to === START) fail("START cannot be the end of an edge");
    source(from);
    target(to);
  }
  for (const j of def.joins) {
    if (j.sources.length === 0) fail(`Join edge to \`${j.target}\` has no sources`);
    for (const s of j.sources) if (s === END) fail("END cannot be the start of an edge");
    j.sources.forEach(source);
    if (j.target === END || j.target === START) fail("A join edge must end at a node");
    target(j.target);
  }
  for (const b of def.branches) {
    if (b.source === END) fail("END cannot be the start of an edge");
    source(b.source);
    for (const t of Object.values(b.pathMap ?? {})) target(t);
  }
  for (const [n, node] of def.nodes) {
    for (const e of node.ends) {
      if (e === START) fail(`Node \`${n}\` cannot end at START`);
      target(e);
    }
  }

  const successors = new Map<string, Set<string>>();
  const addSucc = (from: string, to: string) => {
    const s = successors.get(from) ?? new Set<string>();
    s.add(to);
    successors.set(from, s);
  };
  for (const [from, to] of def.edges) addSucc(from, to);
  for (const j of def.joins) for (const s of j.sources) addSucc(s, j.target);
  for (const b of def.branches)
    for (const t of b.pathMap ? Object.values(b.pathMap) : names) addSucc(b.source, t);
  for (const [n, node] of def.nodes) for (const e of node.ends) addSucc(n, e);
  if (!successors.has(START)) fail("Graph must have an entrypoint: add at least one edge from START");
  const reached = new Set<string>([START]);
  const queue = [START];
  for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
    for (const s of successors.get(n) ?? []) {
      if (reached.has(s)) continue;
      reached.add(s);
      queue.push(s);
    }
  }
  for (const n of names) if (!reached.has(n)) fail(`Node \`${n}\` is not reachable from START`);

  const channels = new Map<string, ChannelDef>();
  for (const [key, spec] of Object.entries(def.schema)) {
    const s = spec as ChannelSpec<JsonValue, JsonValue>;
    channels.set(key, {
      kind: "state",
      ...(s.reducer ? { reducer: s.reducer } : {}),
      ...(s.default ? { default: s.default } : {}),
      ...(s.prepare ? { prepare: s.prepare } : {}),
      ...(s.messages ? { messages: true as const } : {}),
    });
  }
  channels.set(START, { kind: "ephemeral" });
  channels.set(TASKS, { kind: "topic" });
  for (const n of names) channels.set(branchChannel(n), { kind: "ephemeral" });
  for (const j of def.joins)
    channels.set(joinChannel(j.sources, j.target), { kind: "barrier", names: j.sources });

  const build = (name: string, fn: ErasedNodeFn | null, subgraph?: CompiledGraph): CompiledNode => ({
    name,
    fn,
    ...(subgraph ? { subgraph } : {}),
    triggers:
      name === START
        ? [START]
        : [
            branchChannel(name),
            ...def.joins.filter((j) => j.target === name).map((j) => joinChannel(j.sources, j.target)),
          ],
    edges: def.edges.filter(([from, to]) => from === name && to !== END).map(([, to]) => to),
    joins: def.joins.filter((j) => j.sources.includes(name)).map((j) => joinChannel(j.sources, j.target)),
    branches: def.branches
      .filter((b) => b.source === name)
      .map((b) => ({ router: b.router, ...(b.pathMap ? { pathMap: b.pathMap } : {}) })),
    hidden: name === START,
  });
  const nodes = new Map<string, CompiledNode>([[START, build(START, null)]]);
  for (const [n, node] of def.nodes) nodes.set(n, build(n, node.fn, node.subgraph));

  return {
    name: options.name ?? "LangGraph",
    stateKeys: Object.keys(def.schema),
    channels,
    nodes,
    interruptBefore: checkBreakpoints(options.interruptBefore, names, "interruptBefore"),
    interruptAfter: checkBreakpoints(options.interruptAfter, names, "interruptAfter"),
    ...(def.contextSchema ? { contextSchema: def.contextSchema } : {}),
  };
}
