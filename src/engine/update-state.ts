/**
 * `updateState` / `bulkUpdateState` (docs/semantics.md §5, §7.5): write a checkpoint as if a node had produced
 * the given values.
 */

import { applyWrites, emptyCheckpoint, type TaskWrites } from "./apply.js";
import { defaultAsNode } from "./as-node.js";
import type { CheckpointRef, CheckpointTuple, JsonValue } from "./checkpoint.js";
import { COPY, END, INPUT, NO_WRITES, START } from "./constants.js";
import { CheckpointNotFoundError, InvalidUpdateError, NodeNotFoundError } from "./errors.js";
import { createEmitter } from "./events.js";
import type { CompiledGraph } from "./graph-types.js";
import { runMetadata } from "./metadata.js";
import { graphForNamespace } from "./namespace.js";
import { applyNullWrites, isDone, writesByTask } from "./pending.js";
import { type PreparedTask, prepareTasks, stateValues } from "./prepare.js";
import { type SaveContext, saveCheckpoint } from "./run-io.js";
import { toPendingWrites } from "./run-task.js";
import type { CheckpointStore, StoreWrite } from "./store.js";
import type { RunConfig } from "./types.js";
import { type WriteQueue, writeAll } from "./write-queue.js";
import { collectWrites, normalizeOutput } from "./writers.js";

/** One update: `values` as if `asNode` returned them. `asNode` defaults per docs/semantics.md §5.3. */
export interface StateUpdate {
  values?: JsonValue;
  asNode?: string;
}

/**
 * Options of `bulkUpdateState` (docs/semantics.md §5.7): `supersteps` are applied in order, one checkpoint each; every update of a
 * multi-update superstep needs `asNode`. `checkpointId` picks the base (default: head). `metadata`/`config`
 * add run metadata to the new checkpoints (docs/semantics.md §1.11).
 */
export interface BulkUpdateOptions {
  threadId: string;
  /** A subgraph's namespace (from `tasks[].checkpoint`). @default "" (root) */
  checkpointNs?: string;
  supersteps: readonly (readonly StateUpdate[])[];
  checkpointId?: string;
  metadata?: Record<string, JsonValue>;
  config?: RunConfig;
}

/** Options of `updateState`: one update (see `BulkUpdateOptions`). */
export interface UpdateStateOptions extends StateUpdate {
  threadId: string;
  /** A subgraph's namespace (from `tasks[].checkpoint`). @default "" (root) */
  checkpointNs?: string;
  checkpointId?: string;
  metadata?: Record<string, JsonValue>;
  config?: RunConfig;
}

/**
 * Writes one new checkpoint (docs/semantics.md §5.1): `source: "update"`, step = base step + 1 (0 on a fresh thread), parent = the
 * base (head or `checkpointId`); it becomes the head. The values go through the writers of `asNode` (docs/semantics.md §5.2), so
 * `next` is what follows that node. Special `asNode` (docs/semantics.md §5.4): `"__input__"` (an `input` checkpoint, `next =
 * ["__start__"]`), `"__end__"` with `values: null` (clears pending tasks), `"__copy__"` (a `fork` sibling of the
 * base). Returns the new checkpoint's ref.
 * Throws `CheckpointNotFoundError`, `NodeNotFoundError` ("Node X does not exist"), `AmbiguousUpdateError`,
 * `InvalidUpdateError` (unknown key, two writes to a last-value key, misuse of a special `asNode`).
 */
export function updateState(
  graph: CompiledGraph,
  store: CheckpointStore,
  options: UpdateStateOptions,
): Promise<CheckpointRef> {
  const { values, asNode, ...rest } = options;
  return bulkUpdateState(graph, store, {
    ...rest,
    supersteps: [[{ values: values ?? null, ...(asNode !== undefined ? { asNode } : {}) }]],
  });
}

/**
 * Holds every store write until `flush`, so an update refused halfway writes nothing (docs/semantics.md §5.7); `flush` sends them in
 * order as one batch (`CheckpointStore.writeBatch` when the store has it).
 */
function createDeferredQueue(store: CheckpointStore): WriteQueue {
  const held: StoreWrite[] = [];
  return {
    write: async (write) => {
      held.push(write);
    },
    flush: () => writeAll(store, held.splice(0)),
    failure: () => undefined,
  };
}

function discard(tasks: readonly PreparedTask[]): TaskWrites[] {
  return tasks.map((t) => ({ name: t.name, path: t.path, triggers: t.triggers, writes: [] }));
}

/** Applies `supersteps` (docs/semantics.md §5.7); see `updateState` for the rules of each. */
export async function bulkUpdateState(
  rootGraph: CompiledGraph,
  store: CheckpointStore,
  options: BulkUpdateOptions,
): Promise<CheckpointRef> {
  const { threadId, checkpointId } = options;
  const checkpointNs = options.checkpointNs ?? "";
  const graph = graphForNamespace(rootGraph, checkpointNs);
  const head = await store.getTuple({ threadId, checkpointNs });
  let saved: CheckpointTuple | undefined = head;
  if (checkpointId !== undefined && checkpointId !== head?.checkpoint.id) {
    saved = await store.getTuple({ threadId, checkpointNs, checkpointId });
    if (!saved) throw new CheckpointNotFoundError(threadId, checkpointId);
  }
  if (options.supersteps.length === 0) throw new InvalidUpdateError("No supersteps provided");
  const config = options.config ?? {};
  const ctx: SaveContext = {
    graph,
    threadId,
    checkpointNs,
    metadata: runMetadata(config, options.metadata),
    emitter: createEmitter(undefined),
    floorIds: head ? [head.checkpoint.id] : [],
    writes: createDeferredQueue(store),
    parents: {},
  };
  let applyDone = checkpointId === undefined;
  for (const [index, superstep] of options.supersteps.entries()) {
    const first = superstep[0];
    if (!first) throw new InvalidUpdateError("A superstep needs at least one update");
    const special = superstep.find((u) => u.asNode === COPY || u.asNode === END || u.asNode === INPUT);
    if (special && superstep.length > 1)
      throw new InvalidUpdateError(`${special.asNode} must be the only update of its superstep`);
    if (superstep.length > 1 && superstep.some((u) => u.asNode === undefined)) {
      throw new InvalidUpdateError("Every update of a multi-update superstep needs as_node");
    }
    if (first.asNode === COPY) {
      if (index !== 0 || !saved)
        throw new InvalidUpdateError("__copy__ needs an existing checkpoint and must come first");
      saved = await saveCheckpoint(
        ctx,
        saved.checkpoint,
        "fork",
        saved.metadata.step + 1,
        saved.parentCheckpointId,
      );
      applyDone = false;
      continue;
    }
    let cp = saved ? applyNullWrites(saved.checkpoint, graph, saved.pendingWrites) : emptyCheckpoint();
    const step = saved ? saved.metadata.step + 1 : 0;
    const tasks = saved ? prepareTasks(cp, graph, { step, checkpointNs }) : [];
    const byTask = writesByTask(saved?.pendingWrites ?? []);
    const done = applyDone ? tasks.filter((t) => isDone(byTask.get(t.id))) : [];
    if (done.length > 0) {
      const tw = done.map(
        (t) =>
          ({
            ...discard([t])[0],
            writes: (byTask.get(t.id) ?? []).map((w) => [w.channel, w.value] as const),
          }) as TaskWrites,
      );
      cp = applyWrites(cp, graph, tw).checkpoint;
    }
    const pendingTasks = tasks.filter((t) => !done.includes(t));
    const parent = saved?.checkpoint.id ?? null;
    applyDone = false;
    if (first.asNode === END) {
      if (first.values !== null && first.values !== undefined)
        throw new InvalidUpdateError("as_node __end__ takes no values");
      saved = await saveCheckpoint(
        ctx,
        applyWrites(cp, graph, discard(pendingTasks)).checkpoint,
        "update",
        step,
        parent,
      );
      continue;
    }
    if (first.asNode === INPUT) {
      const input = first.values;
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        throw new InvalidUpdateError("as_node __input__ needs an object of values");
      }
      const writes = [
        ...discard(pendingTasks),
        { name: INPUT, path: [], triggers: [], writes: [[START, input]] } as TaskWrites,
      ];
      saved = await saveCheckpoint(
        ctx,
        applyWrites(cp, graph, writes).checkpoint,
        "input",
        saved ? step : -1,
        parent,
      );
      continue;
    }
    const state = stateValues(cp, graph);
    const taskWrites: TaskWrites[] = [];
    for (const update of superstep) {
      const asNode = update.asNode ?? defaultAsNode(graph, cp);
      const node = graph.nodes.get(asNode);
      if (!node) throw new NodeNotFoundError(asNode);
      const writes = await collectWrites(
        graph,
        node,
        normalizeOutput(graph, asNode, update.values ?? null),
        state,
        config,
      );
      taskWrites.push({ name: asNode, path: [], triggers: [], writes });
      const prepared = pendingTasks.find((t) => t.name === asNode);
      if (saved && prepared) {
        const writesOfTask = toPendingWrites(prepared, writes.length > 0 ? writes : [[NO_WRITES, null]]);
        const ref = { threadId, checkpointNs, checkpointId: saved.checkpoint.id };
        await ctx.writes.write({ kind: "putWrites", ref, writes: writesOfTask });
      }
    }
    saved = await saveCheckpoint(ctx, applyWrites(cp, graph, taskWrites).checkpoint, "update", step, parent);
  }
  await ctx.writes.flush();
  return { threadId, checkpointNs, checkpointId: (saved as CheckpointTuple).checkpoint.id };
}
