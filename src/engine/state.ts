/**
 * Reading state: `getState` (docs/semantics.md §4) and `getHistory` (docs/semantics.md §6).
 */
import type { JsonValue } from "./checkpoint.js";
import { CheckpointNotFoundError } from "./errors.js";
import type { CompiledGraph } from "./graph-types.js";
import { graphForNamespace } from "./namespace.js";
import { buildSnapshot, emptySnapshot, type StateSnapshot } from "./snapshot.js";
import type { CheckpointStore } from "./store.js";

/**
 * The state of a thread (docs/semantics.md §4). Without `checkpointId`: the head (greatest id), with the writes of tasks that
 * already finished applied to `values` and removed from `next` (docs/semantics.md §4.3). With `checkpointId`: that checkpoint's
 * stored values (plus Command writes) and every prepared task in `next`. An empty thread gives the empty
 * snapshot (docs/semantics.md §4.2). `checkpointNs` reads a subgraph's state (from `tasks[].checkpoint`); @default "" (root).
 * With `subgraphs`, each subgraph task's `state` is the subgraph's head snapshot (recursively; `null` before the
 * subgraph wrote anything).
 * Throws `CheckpointNotFoundError` for an unknown `checkpointId`, `NodeNotFoundError` for a namespace that names
 * no subgraph node.
 */
export async function getState(
  graph: CompiledGraph,
  store: CheckpointStore,
  options: { threadId: string; checkpointId?: string; checkpointNs?: string; subgraphs?: boolean },
): Promise<StateSnapshot> {
  const { threadId, checkpointId } = options;
  const checkpointNs = options.checkpointNs ?? "";
  const target = graphForNamespace(graph, checkpointNs);
  const tuple = await store.getTuple({ threadId, checkpointNs, ...(checkpointId ? { checkpointId } : {}) });
  if (!tuple) {
    if (checkpointId) throw new CheckpointNotFoundError(threadId, checkpointId);
    return emptySnapshot();
  }
  const snapshot = buildSnapshot(target, tuple, { applyPendingWrites: checkpointId === undefined });
  if (options.subgraphs) {
    for (const task of snapshot.tasks) {
      if (!task.checkpoint) continue;
      const nested = { threadId, checkpointNs: task.checkpoint.checkpointNs, subgraphs: true };
      const state = await getState(graph, store, nested);
      task.state = state.checkpoint ? state : null;
    }
  }
  return snapshot;
}

/**
 * Options of `getHistory` (docs/semantics.md §6.2).
 * - `limit`: most snapshots returned; absent means all. The server's default of 10 is the API layer's.
 * - `before`: only checkpoints whose id is strictly less than this id.
 * - `metadata`: exact equality on each given top-level metadata key, AND-ed (`{source: "update"}`, `{step: 1}`).
 * - `checkpointNs`: a subgraph's history. @default "" (root)
 * A `checkpoint_id` in the request does not narrow the list (the Mongo savers' rule, docs/semantics.md §6.2): pass `before` instead.
 */
export interface HistoryOptions {
  threadId: string;
  limit?: number;
  before?: string;
  metadata?: Record<string, JsonValue>;
  checkpointNs?: string;
}

/**
 * The thread's checkpoints newest first by id, across every branch (docs/semantics.md §6.1, §6.3), each as a snapshot built
 * without applying task writes (null-task writes are applied; `tasks[].result` shows finished tasks).
 */
export async function getHistory(
  graph: CompiledGraph,
  store: CheckpointStore,
  options: HistoryOptions,
): Promise<StateSnapshot[]> {
  const checkpointNs = options.checkpointNs ?? "";
  const target = graphForNamespace(graph, checkpointNs);
  const tuples = await store.list({
    threadId: options.threadId,
    checkpointNs,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.before !== undefined ? { before: options.before } : {}),
    ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
  });
  return tuples.map((t) => buildSnapshot(target, t, { applyPendingWrites: false }));
}
