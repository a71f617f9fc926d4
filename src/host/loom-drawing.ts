/**
 * Plain-JSON descriptions of a compiled graph for the assistants API (docs/api.md §3 "Assistants":
 * `GET /assistants/{id}/graph`, `GET /assistants/{id}/schemas`).
 */
import { type CompiledGraph, END, type JsonObject, START } from "../engine/index.js";

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

/**
 * JSON Schemas of the graph: input, output and state are objects over the state keys (values untyped);
 * config and context are free-form objects.
 */
export function describeSchemas(graphId: string, graph: CompiledGraph): JsonObject {
  const state: JsonObject = {
    title: graph.name || graphId,
    type: "object",
    properties: Object.fromEntries(graph.stateKeys.map((k) => [k, {}])),
  };
  return {
    graph_id: graphId,
    input_schema: state,
    output_schema: state,
    state_schema: state,
    config_schema: { title: "Configurable", type: "object", properties: {} },
    context_schema: { title: "Context", type: "object", properties: {} },
  };
}
