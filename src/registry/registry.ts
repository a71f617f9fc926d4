/**
 * The graph registry: graph id → hosted graph (`src/host/hosted-graph.ts`, whichever engine runs it). Built once at
 * start-up (from `loom.json`, see ./load.ts, or directly in tests) and read-only afterwards.
 */
import type { CompiledGraph } from "../engine/index.js";
import type { HostedGraph } from "../host/hosted-graph.js";
import { hostLoomGraph, isLoomGraph } from "../host/loom-graph.js";

/** No graph is registered under this id (API: 404 "No assistant found for ..."). */
export class GraphNotFoundError extends Error {
  override readonly name = "GraphNotFoundError";
  constructor(readonly graphId: string) {
    super(
      `No assistant found for "${graphId}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`,
    );
  }
}

/** Read-only lookup of registered graphs. */
export interface GraphRegistry {
  /** Registered graph ids, in registration order. */
  ids(): string[];
  has(graphId: string): boolean;
  /** @throws GraphNotFoundError */
  get(graphId: string): HostedGraph;
}

/**
 * A registry over `graphs` (id → hosted graph, or a Loom `CompiledGraph`, which is hosted by Loom's engine); the
 * map is copied.
 */
export function createGraphRegistry(graphs: ReadonlyMap<string, HostedGraph | CompiledGraph>): GraphRegistry {
  const byId = new Map<string, HostedGraph>();
  for (const [id, graph] of graphs) byId.set(id, isLoomGraph(graph) ? hostLoomGraph(graph) : graph);
  return {
    ids: () => [...byId.keys()],
    has: (graphId) => byId.has(graphId),
    get(graphId) {
      const graph = byId.get(graphId);
      if (!graph) throw new GraphNotFoundError(graphId);
      return graph;
    },
  };
}
