/**
 * State snapshots (docs/semantics.md §4): the domain shape of `ThreadState`. camelCase; the API layer converts to
 * the snake_case wire shape.
 */

import { applyWrites } from "./apply.js";
import type { CheckpointMetadata, CheckpointRef, CheckpointTuple, JsonValue } from "./checkpoint.js";
import type { CompiledGraph } from "./graph-types.js";
import { childNamespace } from "./ids.js";
import { toInterrupt } from "./interrupt.js";
import { applyNullWrites, isDone, taskError, taskInterrupts, taskResult, writesByTask } from "./pending.js";
import { prepareTasks, stateValues } from "./prepare.js";
import type { Interrupt } from "./types.js";

/**
 * A task of a snapshot (`ThreadTask`, docs/semantics.md §4.1): `error` is `"<Name>: <message>"` or `null`; `result` the task's
 * writes to state keys once it finished, else `null`; `checkpoint` the subgraph's namespace when the task is a
 * subgraph (read its state with `getState({threadId, checkpointNs})`, or ask for `subgraphs`), else `null`.
 */
export interface SnapshotTask {
  id: string;
  name: string;
  path: Array<string | number>;
  error: string | null;
  interrupts: Interrupt[];
  result: Record<string, JsonValue> | null;
  checkpoint: { threadId: string; checkpointNs: string } | null;
  /** The subgraph's snapshot, filled by `getState({subgraphs: true})`; absent otherwise. */
  state?: StateSnapshot | null;
}

/**
 * A thread's state at one checkpoint (`ThreadState`, docs/semantics.md §4.1).
 * - `values`: state keys with a value; `next`: names of tasks still to run (repeated per `Send`).
 * - `checkpoint` / `parentCheckpoint`: refs, `null` when absent; `createdAt`: the checkpoint's `ts`.
 * - `interrupts`: every task's interrupts, flattened.
 */
export interface StateSnapshot {
  values: Record<string, JsonValue>;
  next: string[];
  tasks: SnapshotTask[];
  checkpoint: CheckpointRef | null;
  parentCheckpoint: CheckpointRef | null;
  metadata: CheckpointMetadata | null;
  createdAt: string | null;
  interrupts: Interrupt[];
}

/** The snapshot of an empty or unknown thread (docs/semantics.md §4.2). */
export function emptySnapshot(): StateSnapshot {
  return {
    values: {},
    next: [],
    tasks: [],
    checkpoint: null,
    parentCheckpoint: null,
    metadata: null,
    createdAt: null,
    interrupts: [],
  };
}

/**
 * Builds the snapshot of `tuple` (docs/semantics.md §4.3). Null-task writes are always applied. With `applyPendingWrites` (the head
 * read without an explicit id) the writes of tasks that finished are applied to `values`, those tasks leave `next`
 * and their (resolved) interrupts are not listed; otherwise `values` are the stored ones, `next` lists every
 * prepared task and `interrupts` every stored interrupt.
 */
export function buildSnapshot(
  graph: CompiledGraph,
  tuple: CheckpointTuple,
  options: { applyPendingWrites: boolean },
): StateSnapshot {
  const checkpoint = applyNullWrites(tuple.checkpoint, graph, tuple.pendingWrites);
  const tasks = prepareTasks(checkpoint, graph, {
    step: tuple.metadata.step + 1,
    checkpointNs: tuple.checkpointNs,
  });
  const byTask = writesByTask(tuple.pendingWrites);
  const done = tasks.filter((t) => isDone(byTask.get(t.id)));
  let values = stateValues(checkpoint, graph);
  if (options.applyPendingWrites && done.length > 0) {
    try {
      const tw = done.map((t) => ({
        name: t.name,
        path: t.path,
        triggers: t.triggers,
        writes: (byTask.get(t.id) ?? []).map((w) => [w.channel, w.value] as const),
      }));
      values = stateValues(applyWrites(checkpoint, graph, tw).checkpoint, graph);
    } catch {
      // Writes that cannot be applied together (the step will fail when resumed): show the stored values.
    }
  }
  const snapshotTasks: SnapshotTask[] = tasks.map((t) => {
    const writes = byTask.get(t.id);
    return {
      id: t.id,
      name: t.name,
      path: [...t.path],
      error: taskError(writes),
      interrupts:
        options.applyPendingWrites && isDone(writes)
          ? []
          : taskInterrupts(writes).flatMap((i) => toInterrupt(i, t.name, t.id, tuple.checkpointNs) ?? []),
      result: isDone(writes) ? taskResult(graph, writes) : null,
      checkpoint: graph.nodes.get(t.name)?.subgraph
        ? { threadId: tuple.threadId, checkpointNs: childNamespace(tuple.checkpointNs, t.name, t.id) }
        : null,
    };
  });
  const ref = (checkpointId: string): CheckpointRef => ({
    threadId: tuple.threadId,
    checkpointNs: tuple.checkpointNs,
    checkpointId,
  });
  return {
    values,
    next: (options.applyPendingWrites ? tasks.filter((t) => !done.includes(t)) : tasks).map((t) => t.name),
    tasks: snapshotTasks,
    checkpoint: ref(tuple.checkpoint.id),
    parentCheckpoint: tuple.parentCheckpointId ? ref(tuple.parentCheckpointId) : null,
    metadata: tuple.metadata,
    createdAt: tuple.checkpoint.ts,
    interrupts: snapshotTasks.flatMap((t) => t.interrupts),
  };
}
