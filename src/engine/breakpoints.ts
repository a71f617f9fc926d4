/**
 * Static breakpoints (docs/semantics.md §2). Pure.
 */
import type { Checkpoint } from "./checkpoint.js";
import { INTERRUPT } from "./constants.js";
import type { CompiledGraph } from "./graph-types.js";
import type { BreakpointList } from "./types.js";

/** The list in force for a run: a non-empty run-time list replaces the compiled one (docs/semantics.md §2.3). */
export function effectiveBreakpoints(
  compiled: BreakpointList,
  runTime: BreakpointList | undefined,
): BreakpointList {
  if (runTime === "*" || (runTime !== undefined && runTime.length > 0)) return runTime;
  return compiled;
}

/**
 * True when a breakpoint fires (docs/semantics.md §2.1, §2.2): some channel version is higher than
 * `versionsSeen["__interrupt__"]` for it, and one of `taskNames` is in `list` (`"*"`: any non-hidden node).
 */
export function shouldInterrupt(
  checkpoint: Checkpoint,
  graph: CompiledGraph,
  list: BreakpointList,
  taskNames: readonly string[],
): boolean {
  if (list !== "*" && list.length === 0) return false;
  const seen = checkpoint.versionsSeen[INTERRUPT] ?? {};
  const updated = Object.entries(checkpoint.channelVersions).some(([ch, v]) => v > (seen[ch] ?? 0));
  if (!updated) return false;
  return taskNames.some((n) => (list === "*" ? graph.nodes.get(n)?.hidden === false : list.includes(n)));
}

/**
 * Marks every current channel version as seen by breakpoints (docs/semantics.md §2.5): done when a run resumes, so the breakpoint
 * that paused the thread does not fire again. Returns a new checkpoint.
 */
export function markBreakpointsSeen(checkpoint: Checkpoint): Checkpoint {
  return {
    ...checkpoint,
    versionsSeen: { ...checkpoint.versionsSeen, [INTERRUPT]: { ...checkpoint.channelVersions } },
  };
}
