/**
 * Loom's own engine behind the seam (`./hosted-graph.ts`): a `CompiledGraph` of `src/engine` as a `HostedGraph`.
 */
import {
  bulkUpdateState,
  type CompiledGraph,
  getHistory,
  getState,
  parseContext,
  runGraph,
  START,
  updateState,
} from "../engine/index.js";
import type { HostedGraph } from "./hosted-graph.js";
import { describeGraph, describeSchemas, describeSubgraphs } from "./loom-drawing.js";

/** Whether `value` is a graph compiled by Loom's engine (`StateGraph.compile()` of `src/engine`). */
export function isLoomGraph(value: unknown): value is CompiledGraph {
  if (value === null || typeof value !== "object") return false;
  const g = value as Partial<CompiledGraph>;
  return g.nodes instanceof Map && g.channels instanceof Map && Array.isArray(g.stateKeys);
}

/** `graph` behind the seam; every method delegates to the engine function of the same name. */
export function hostLoomGraph(graph: CompiledGraph): HostedGraph {
  return {
    engine: "loom",
    name: graph.name,
    async checkContext(context) {
      if (graph.contextSchema) await parseContext(graph.contextSchema, context);
    },
    hasNode(name) {
      const node = graph.nodes.get(name);
      return node !== undefined && !node.hidden && name !== START;
    },
    run: (store, options) => runGraph(graph, store, options),
    getState: (store, options) => getState(graph, store, options),
    getHistory: (store, options) => getHistory(graph, store, options),
    updateState: (store, options) => updateState(graph, store, options),
    bulkUpdateState: (store, options) => bulkUpdateState(graph, store, options),
    drawing: () => describeGraph(graph),
    schemas: (graphId) => describeSchemas(graphId, graph),
    subgraphs: async (namespace, recurse) => describeSubgraphs(graph, namespace, recurse),
  };
}
