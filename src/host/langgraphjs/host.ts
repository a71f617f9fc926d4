/**
 * The LangGraph.js engine behind the seam (`../hosted-graph.ts`). Imported only when `loom.json` names a LangGraph.js
 * graph (`src/registry/host-export.ts`).
 */
import { GraphConfigError } from "../../registry/errors.js";
import type { HostedGraph } from "../hosted-graph.js";

/**
 * `graph` (a LangGraph.js Pregel) behind the seam.
 * @throws GraphConfigError while the adapter is not available in this build.
 */
export async function hostLangGraphJs(graphId: string, _graph: object): Promise<HostedGraph> {
  throw new GraphConfigError(
    `graph "${graphId}": hosting LangGraph.js graphs is not available in this build`,
  );
}
