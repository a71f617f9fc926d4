/**
 * Plain-JSON descriptions of a compiled graph for the assistants API (docs/api.md §3 "Assistants":
 * `GET /assistants/{id}/graph`, `GET /assistants/{id}/schemas`, `GET /assistants/{id}/subgraphs`).
 */
import { type CompiledGraph, contextJsonSchema, END, type JsonObject, START } from "../engine/index.js";

/**
 * The drawable graph: `{nodes: [{id, type: "runnable", data: {id, name}}], edges: [{source, target,
 * conditional}]}`, with `__start__` and `__end__`. Conditional edges come from path maps; a router without a
 * path map has no known targets and is drawn as one conditional edge to `__end__`.
 */
export function describeGraph(graph: CompiledGraph): JsonObject {
  const nodes: JsonObject[] = [];
  const edges: JsonObject[] = [];
  for (const node of graph.nodes.values()) {
    nodes.push({ id: node.name, type: "runnable", data: { id: ["loom", node.name], name: node.name } });
    for (const target of node.edges) edges.push({ source: node.name, target, conditional: false });
    for (const join of node.joins) {
      const target = join.split(":").pop() ?? END;
      edges.push({ source: node.name, target, conditional: false });
    }
    for (const branch of node.branches) {
      const targets = branch.pathMap ? [...new Set(Object.values(branch.pathMap))] : [END];
      for (const target of targets) edges.push({ source: node.name, target, conditional: true });
    }
    if (
      node.name !== START &&
      node.edges.length === 0 &&
      node.joins.length === 0 &&
      node.branches.length === 0
    ) {
      edges.push({ source: node.name, target: END, conditional: false });
    }
  }
  nodes.push({ id: END, type: "runnable", data: { id: ["loom", END], name: END } });
  return { nodes, edges };
}

/** The `context_schema` of a graph without a context schema (or whose schema cannot be expressed as JSON Schema). */
const FREE_FORM_CONTEXT: JsonObject = { title: "Context", type: "object", properties: {} };

/**
 * The `context_schema` of a Loom graph: the JSON Schema (draft 2020-12) of what a client may send as context,
 * from its context schema's Standard JSON Schema converter (zod 4 has one), titled "Context" unless the schema
 * names itself; free-form without a schema or a converter.
 */
export function loomContextSchema(graph: CompiledGraph): JsonObject {
  const schema = graph.contextSchema ? contextJsonSchema(graph.contextSchema) : undefined;
  if (!schema) return FREE_FORM_CONTEXT;
  // Key order as the free-form schema: title first.
  return { title: "Context", ...(schema as JsonObject) };
}

/**
 * JSON Schemas of the graph: input, output and state are objects over the state keys (values untyped);
 * config is a free-form object; context is the graph's context schema (`loomContextSchema`).
 */
export function describeSchemas(graphId: string, graph: CompiledGraph): JsonObject {
  return {
    graph_id: graphId,
    ...stateSchemas(graph.name || graphId, graph.stateKeys, loomContextSchema(graph)),
  };
}

/**
 * `{input_schema, output_schema, state_schema, config_schema, context_schema}` of a graph titled `title` whose
 * state has `keys` (values untyped; config free-form), for either engine. `context`: the `context_schema`.
 * @default context: a free-form object `{title: "Context", type: "object", properties: {}}`
 */
export function stateSchemas(
  title: string,
  keys: readonly string[],
  context: JsonObject = FREE_FORM_CONTEXT,
): JsonObject {
  const state: JsonObject = {
    title,
    type: "object",
    properties: Object.fromEntries(keys.map((k) => [k, {}])),
  };
  return {
    input_schema: state,
    output_schema: state,
    state_schema: state,
    config_schema: { title: "Configurable", type: "object", properties: {} },
    context_schema: context,
  };
}

/**
 * The subgraphs of `graph` as LangGraph's `getSubgraphs(namespace, recurse)` walks them: each node holding a
 * compiled subgraph, under its node name; with `recurse`, theirs as `parent|child`; with `namespace`, only the
 * path it names (a node whose name is a prefix of it is searched, the exact match returned alone).
 */
export function* walkSubgraphs(
  graph: CompiledGraph,
  namespace: string | undefined,
  recurse: boolean,
): Generator<[string, CompiledGraph]> {
  for (const [name, node] of graph.nodes) {
    if (!node.subgraph) continue;
    if (namespace !== undefined && !namespace.startsWith(name)) continue;
    if (name === namespace) {
      yield [name, node.subgraph];
      return;
    }
    if (namespace === undefined) yield [name, node.subgraph];
    if (recurse) {
      const rest = namespace === undefined ? undefined : namespace.slice(name.length + 1);
      for (const [child, sub] of walkSubgraphs(node.subgraph, rest, recurse)) yield [`${name}|${child}`, sub];
    }
  }
}

/** `walkSubgraphs` as the JSON of `GET /assistants/{id}/subgraphs` (docs/api.md §3). */
export function describeSubgraphs(
  graph: CompiledGraph,
  namespace: string | undefined,
  recurse: boolean,
): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [ns, sub] of walkSubgraphs(graph, namespace, recurse)) {
    out[ns] = stateSchemas(sub.name || ns, sub.stateKeys, loomContextSchema(sub));
  }
  return out;
}
