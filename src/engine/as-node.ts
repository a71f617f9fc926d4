/**
 * The default `as_node` of `updateState` (docs/semantics.md §5.3). Pure.
 */
import type { Checkpoint } from "./checkpoint.js";
import { START } from "./constants.js";
import { AmbiguousUpdateError } from "./errors.js";
import type { CompiledGraph } from "./graph-types.js";

/**
 * (a) the only node of a one-node graph; (b) `START` when nothing has run yet (no node has seen a version);
 * (c) the node that saw the highest channel version, i.e. the last one to run; (d) several nodes share that
 * version (they ran in the same step) → throws `AmbiguousUpdateError`.
 */
export function defaultAsNode(graph: CompiledGraph, checkpoint: Checkpoint): string {
  const userNodes = [...graph.nodes.keys()].filter((n) => n !== START);
  if (userNodes.length === 1) return userNodes[0] as string;
  const last: Array<[string, number]> = [];
  for (const [node, seen] of Object.entries(checkpoint.versionsSeen)) {
    const versions = Object.values(seen);
    if (graph.nodes.has(node) && versions.length > 0) last.push([node, Math.max(...versions)]);
  }
  if (last.length === 0) return START;
  const top = Math.max(...last.map(([, v]) => v));
  const candidates = last.filter(([, v]) => v === top).map(([n]) => n);
  if (candidates.length > 1) throw new AmbiguousUpdateError(candidates.sort());
  return candidates[0] as string;
}
