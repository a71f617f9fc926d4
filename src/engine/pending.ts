/**
 * Reading pending writes (docs/semantics.md §1.13, §1.14, §3.6, §4.4): null-task writes, per-task outcome.
 */

import { applyWrites } from "./apply.js";
import { type Checkpoint, type JsonValue, NULL_TASK_ID, type PendingWrite } from "./checkpoint.js";
import { ERROR, INTERRUPT, RESUME } from "./constants.js";
import type { CompiledGraph } from "./graph-types.js";

/**
 * Applies the null-task writes (from `Command.update`/`goto`, docs/semantics.md §1.13) of `writes` to `checkpoint`, one write at a
 * time so two commands may set the same last-value key. `__resume__` is skipped. Returns `checkpoint` itself
 * when there is nothing to apply.
 */
export function applyNullWrites(
  checkpoint: Checkpoint,
  graph: CompiledGraph,
  writes: readonly PendingWrite[],
): Checkpoint {
  let cp = checkpoint;
  for (const w of writes) {
    if (w.taskId !== NULL_TASK_ID || w.channel === RESUME) continue;
    cp = applyWrites(
      cp,
      graph,
      [{ name: "__input__", path: [], triggers: [], writes: [[w.channel, w.value]] }],
      {
        bumpStep: false,
      },
    ).checkpoint;
  }
  return cp;
}

/** Pending writes grouped by task id, in stored order. */
export function writesByTask(writes: readonly PendingWrite[]): Map<string, PendingWrite[]> {
  const map = new Map<string, PendingWrite[]>();
  for (const w of writes) {
    const list = map.get(w.taskId);
    if (list) list.push(w);
    else map.set(w.taskId, [w]);
  }
  return map;
}

/**
 * True when the task finished successfully: it has a write other than `__error__`, `__interrupt__` and
 * `__resume__` (docs/semantics.md §1.14). Unlike LangGraph, a `__resume__` write alone does not count (the docs/semantics.md §3.10 quirk is fixed on
 * purpose: a node waiting on its second interrupt stays in `next`).
 */
export function isDone(writes: readonly PendingWrite[] | undefined): boolean {
  return !!writes?.some((w) => w.channel !== ERROR && w.channel !== INTERRUPT && w.channel !== RESUME);
}

/** The task's first `__error__` write as a string `"<Name>: <message>"`, or `null`. */
export function taskError(writes: readonly PendingWrite[] | undefined): string | null {
  const w = writes?.find((x) => x.channel === ERROR);
  if (!w) return null;
  const v = w.value;
  if (v && typeof v === "object" && !Array.isArray(v)) return `${String(v.error)}: ${String(v.message)}`;
  return String(v);
}

/** The stored `{id, value}` objects of the task's `__interrupt__` writes. */
export function taskInterrupts(writes: readonly PendingWrite[] | undefined): JsonValue[] {
  return (writes ?? [])
    .filter((w) => w.channel === INTERRUPT)
    .flatMap((w) => (Array.isArray(w.value) ? w.value : [w.value]));
}

/** The task's saved resume values (`__resume__` list), `[]` when none. */
export function taskResume(writes: readonly PendingWrite[] | undefined): JsonValue[] {
  const w = writes?.find((x) => x.channel === RESUME);
  return w && Array.isArray(w.value) ? w.value : [];
}

/** The task's writes to state keys as an object (`tasks[].result`, docs/semantics.md §4.4). */
export function taskResult(
  graph: CompiledGraph,
  writes: readonly PendingWrite[] | undefined,
): Record<string, JsonValue> {
  const keys = new Set(graph.stateKeys);
  const out: Record<string, JsonValue> = {};
  for (const w of writes ?? []) if (keys.has(w.channel)) out[w.channel] = w.value;
  return out;
}
