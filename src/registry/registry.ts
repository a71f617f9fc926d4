/**
 * The graph registry: graph id → compiled graph. Built once at start-up (from `loom.json`, see ./load.ts, or
 * directly in tests) and read-only afterwards.
 */
import type { CompiledGraph } from "../engine/index.js";

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
  get(graphId: string): CompiledGraph;
}

/** A registry over `graphs` (id → compiled graph); the map is copied. */
export function createGraphRegistry(graphs: ReadonlyMap<string, CompiledGraph>): GraphRegistry {
  const byId = new Map(graphs);
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
