/**
 * Saving a checkpoint (with its events) through the run's write queue (`write-queue.ts`). Internal.
 */
import type { Checkpoint, CheckpointSource, CheckpointTuple, PendingWrite } from "./checkpoint.js";
import { checkpointPayload } from "./events.js";
import { newCheckpointId } from "./ids.js";
import { checkpointMetadata } from "./metadata.js";
import type { RunContext } from "./run-types.js";

import { buildSnapshot } from "./snapshot.js";

/** What `saveCheckpoint` needs from a run (or an update). */
export type SaveContext = Pick<
  RunContext,
  "graph" | "threadId" | "checkpointNs" | "metadata" | "emitter" | "floorIds" | "writes" | "parents"
>;

/**
 * Saves `checkpoint` (its `id`/`ts` are replaced by a new time-ordered id sorting after the parent and the
 * thread's known ids, docs/semantics.md §8) with metadata `{...run metadata, source, step, parents: {}}` and parent link
 * `parentId` (docs/semantics.md §1.12). `parentWrites` are stored against the parent in the same call. Emits `checkpoints`/`debug`.
 * With an `async` write queue the put is queued (it is stored later, in order).
 */
export async function saveCheckpoint(
  ctx: SaveContext,
  checkpoint: Checkpoint,
  source: CheckpointSource,
  step: number,
  parentId: string | null,
  parentWrites?: PendingWrite[],
): Promise<CheckpointTuple> {
  const id = newCheckpointId(step, [parentId, ...ctx.floorIds]);
  ctx.floorIds.push(id);
  const cp: Checkpoint = { ...checkpoint, id, ts: new Date().toISOString() };
  const metadata = checkpointMetadata(source, step, ctx.metadata, ctx.parents);
  await ctx.writes.write({
    kind: "put",
    input: {
      threadId: ctx.threadId,
      checkpointNs: ctx.checkpointNs,
      checkpoint: cp,
      metadata,
      parentCheckpointId: parentId,
      ...(parentWrites && parentWrites.length > 0 ? { parentWrites } : {}),
    },
  });
  const tuple: CheckpointTuple = {
    threadId: ctx.threadId,
    checkpointNs: ctx.checkpointNs,
    checkpoint: cp,
    metadata,
    parentCheckpointId: parentId,
    pendingWrites: [],
  };
  ctx.emitter.emitWithDebug("checkpoints", step, "checkpoint", () =>
    checkpointPayload(buildSnapshot(ctx.graph, tuple, { applyPendingWrites: false })),
  );
  return tuple;
}
