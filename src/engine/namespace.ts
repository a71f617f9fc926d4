/**
 * Checkpoint namespaces of subgraphs (docs/semantics.md "Terms"): `""` is the root graph, `"<node>:<task_id>"` a
 * subgraph task, nested ones joined with `|`.
 */
import { SubgraphNotFoundError } from "./errors.js";
import type { CompiledGraph } from "./graph-types.js";

/**
 * The graph that runs in `checkpointNs` under `graph`: `""` → `graph`; `"a:<id>|b:<id>"` → the subgraph of node
 * `b` inside the subgraph of node `a`. Throws `SubgraphNotFoundError` when a part names no subgraph node.
 */
export function graphForNamespace(graph: CompiledGraph, checkpointNs: string): CompiledGraph {
  if (checkpointNs === "") return graph;
  let current = graph;
  for (const part of checkpointNs.split("|")) {
    const name = part.slice(0, part.lastIndexOf(":"));
    const sub = current.nodes.get(name)?.subgraph;
    if (!sub) throw new SubgraphNotFoundError(namespacePath(checkpointNs));
    current = sub;
  }
  return current;
}

/** `checkpointNs` without its task ids: `"a:<id>|b:<id>"` → `"a|b"` (LangGraph's `recast_checkpoint_ns`). */
export function namespacePath(checkpointNs: string): string {
  return checkpointNs
    .split("|")
    .map((part) => part.split(":")[0])
    .join("|");
}
