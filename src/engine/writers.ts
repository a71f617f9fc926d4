/**
 * From a node's return value to its channel writes: state updates, edges, joins, conditional edges and
 * `Command.goto` (docs/semantics.md §1.2, §3.9). Pure apart from calling the graph's routers.
 */
import type { JsonValue } from "./checkpoint.js";
import { Command, commandUpdateEntries, Send } from "./command.js";
import { branchChannel } from "./compile.js";
import { END, START, TASKS } from "./constants.js";
import { InvalidUpdateError } from "./errors.js";
import type { ChannelDef, CompiledGraph, CompiledNode } from "./graph-types.js";
import type { RouteResult, RunConfig } from "./types.js";

/** A node's output, normalized: state updates in order, and where to go next. */
export interface NodeOutput {
  readonly update: ReadonlyArray<readonly [string, JsonValue]>;
  readonly goto: ReadonlyArray<string | Send>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Send);
}

/**
 * Normalizes what node `node` returned. `undefined`/`null` → no update; an object → its keys (each must be a
 * state key; `undefined` values are skipped); a `Command` → its `update` and `goto`. For `START` the value is the
 * run input: keys that are not state keys are ignored. Each value goes through its channel's `prepare`.
 * Throws `InvalidUpdateError` for any other value, an unknown key, or a value `prepare` refuses.
 */
export function normalizeOutput(graph: CompiledGraph, node: string, result: unknown): NodeOutput {
  if (result === undefined || result === null) return { update: [], goto: [] };
  const isCommand = result instanceof Command;
  const raw = isCommand ? commandUpdateEntries(result.update) : undefined;
  if (!isCommand && !isPlainObject(result)) {
    throw new InvalidUpdateError(
      `Expected node "${node}" to return an object or a Command, got ${JSON.stringify(result)}`,
    );
  }
  const entries = raw ?? Object.entries(result as Record<string, JsonValue>);
  const keys = new Set(graph.stateKeys);
  const update: Array<[string, JsonValue]> = [];
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    if (!keys.has(key)) {
      if (node === START) continue;
      throw new InvalidUpdateError(`Node "${node}" wrote to unknown state key '${key}'`, key);
    }
    const def = graph.channels.get(key);
    update.push([key, def?.kind === "state" && def.prepare ? def.prepare(value) : value]);
  }
  return { update, goto: isCommand ? result.goto : [] };
}

/**
 * The run input with each state key's value through its channel's `prepare` (other keys as given), so a bad
 * value is refused before the input checkpoint is written and the stored input already has its message ids.
 * Throws `InvalidUpdateError` for a value `prepare` refuses.
 */
export function prepareInput(
  graph: CompiledGraph,
  input: Record<string, JsonValue>,
): Record<string, JsonValue> {
  let out: Record<string, JsonValue> | undefined;
  for (const [key, value] of Object.entries(input)) {
    const def = graph.channels.get(key);
    if (value === undefined || def?.kind !== "state" || !def.prepare || !graph.stateKeys.includes(key))
      continue;
    out ??= { ...input };
    out[key] = def.prepare(value);
  }
  return out ?? input;
}

/** `state` with `update` folded in through the reducers: the "fresh" view a router reads. */
export function applyLocally(
  graph: CompiledGraph,
  state: Record<string, JsonValue>,
  update: NodeOutput["update"],
): Record<string, JsonValue> {
  const out = { ...state };
  for (const [key, value] of update) {
    const def = graph.channels.get(key) as Extract<ChannelDef, { kind: "state" }>;
    const current = out[key] !== undefined ? out[key] : def.default?.();
    out[key] = def.reducer && current !== undefined ? def.reducer(current, value) : value;
  }
  return out;
}

function routeWrites(
  graph: CompiledGraph,
  from: string,
  routes: Iterable<string | Send>,
): Array<[string, JsonValue]> {
  const writes: Array<[string, JsonValue]> = [];
  for (const route of routes) {
    const target = route instanceof Send ? route.node : route;
    if (target === END && !(route instanceof Send)) continue;
    if (typeof target !== "string" || target === START || !graph.nodes.has(target)) {
      throw new InvalidUpdateError(`Node "${from}" routed to unknown node '${String(target)}'`);
    }
    writes.push(
      route instanceof Send ? [TASKS, { node: route.node, args: route.args }] : [branchChannel(target), null],
    );
  }
  return writes;
}

/** Writes of `Command.goto` given as run input (docs/semantics.md §3.9): `branch:to:<node>` or a `__pregel_tasks` packet. */
export function gotoWrites(graph: CompiledGraph, goto: Iterable<string | Send>): Array<[string, JsonValue]> {
  return routeWrites(graph, "Command", goto);
}

function mapRoute(
  result: RouteResult,
  pathMap: Readonly<Record<string, string>> | undefined,
  from: string,
): Array<string | Send> {
  const list = Array.isArray(result) ? result : [result];
  if (!pathMap) return list;
  return list.map((r) => {
    if (r instanceof Send) return r;
    const mapped = pathMap[r];
    if (mapped === undefined)
      throw new InvalidUpdateError(`Router of "${from}" returned '${r}', not in its path map`);
    return mapped;
  });
}

/**
 * All writes of `node` for `output`, in order: state updates, `branch:to:<t>` for each static edge, the node's
 * name into each join channel it feeds, then conditional-edge and `goto` routes (`branch:to:<t>` with value
 * `null`, or a `{node, args}` packet into `__pregel_tasks` for a `Send`). Routers read `state` with the node's
 * own update applied. Throws `InvalidUpdateError` for a route to an unknown node.
 */
export async function collectWrites(
  graph: CompiledGraph,
  node: CompiledNode,
  output: NodeOutput,
  state: Record<string, JsonValue>,
  config: RunConfig,
): Promise<Array<[string, JsonValue]>> {
  const writes: Array<[string, JsonValue]> = output.update.map(([k, v]) => [k, v]);
  for (const target of node.edges) writes.push([branchChannel(target), null]);
  for (const join of node.joins) writes.push([join, node.name]);
  const routes: Array<string | Send> = [...output.goto];
  if (node.branches.length > 0) {
    const fresh = applyLocally(graph, state, output.update);
    for (const branch of node.branches) {
      routes.push(...mapRoute(await branch.router(fresh, { config }), branch.pathMap, node.name));
    }
  }
  writes.push(...routeWrites(graph, node.name, routes));
  return writes;
}
