/**
 * Reads the execution log the `steps` test graph writes (graphs/steps.ts) and finds overlapping executions: two
 * node executions of the same run whose `[start, end]` intervals intersect. A start without an end (its process
 * was killed mid-node) lasts until the next line that process wrote, or until now: a killed node cannot overlap
 * anything after its process died, but it is not trusted to have ended earlier.
 */
import { readFile } from "node:fs/promises";

/** One node execution. */
export interface NodeExecution {
  node: string;
  pid: number;
  start: number;
  /** `undefined` when no end was logged (the process died mid-node). */
  end: number | undefined;
  aborted: boolean;
}

interface Line {
  node: string;
  pid: number;
  event: "start" | "end";
  at: number;
  aborted?: boolean;
}

/** The executions logged in `file` (an absent file: none), in the order they started. */
export async function readExecutions(file: string): Promise<NodeExecution[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  const lines = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Line);
  const out: NodeExecution[] = [];
  const open = new Map<string, NodeExecution>();
  for (const l of lines) {
    const key = `${l.pid}:${l.node}`;
    if (l.event === "start") {
      const e: NodeExecution = { node: l.node, pid: l.pid, start: l.at, end: undefined, aborted: false };
      out.push(e);
      open.set(key, e);
    } else {
      const e = open.get(key);
      if (e) {
        e.end = l.at;
        e.aborted = l.aborted === true;
        open.delete(key);
      }
    }
  }
  return out;
}

/**
 * Pairs of executions of one run that overlap in time. `deadPids`: processes known killed, with when; an
 * unended execution of one of them ends at its death, of any other process at `now`.
 */
export function overlaps(
  executions: readonly NodeExecution[],
  deadPids: ReadonlyMap<number, number> = new Map(),
  now = Date.now(),
): [NodeExecution, NodeExecution][] {
  const endOf = (e: NodeExecution) => e.end ?? deadPids.get(e.pid) ?? now;
  const found: [NodeExecution, NodeExecution][] = [];
  for (let i = 0; i < executions.length; i++) {
    for (let j = i + 1; j < executions.length; j++) {
      const a = executions[i] as NodeExecution;
      const b = executions[j] as NodeExecution;
      if (a.start < endOf(b) && b.start < endOf(a)) found.push([a, b]);
    }
  }
  return found;
}
