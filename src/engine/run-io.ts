/**
 * The runner's store writes: the write queue of a run (durability, engine-semantics §1.16) and saving a checkpoint
 * (with its events). Internal.
 */
import type { Checkpoint, CheckpointSource, CheckpointTuple, PendingWrite } from "./checkpoint.js";
import { checkpointPayload } from "./events.js";
import { newCheckpointId } from "./ids.js";
import { checkpointMetadata } from "./metadata.js";
import type { RunContext } from "./run-types.js";

import { buildSnapshot } from "./snapshot.js";

/**
 * When a run's writes reach the store (engine-semantics §1.16):
 * - `"sync"`: each checkpoint is saved before the next step starts; task writes as each task finishes.
 * - `"async"`: saves run in the background, strictly in order, while the next step executes; the run waits for
 *   all of them before it returns (a crash may lose the last steps, never reorder them).
 * (`"exit"`, saving only the final checkpoint, is not implemented.)
 */
export type Durability = "sync" | "async";

/** Orders a run's store writes. Internal. */
export interface WriteQueue {
  /** Runs `op`: at once, resolving when it is done (`sync`); or after every earlier op, resolving at once (`async`). */
  run(op: () => Promise<unknown>): Promise<unknown>;
  /** Resolves when every queued op is done; rejects with the first failure. */
  flush(): Promise<void>;
  /** The first failure of a background op, if any. */
  failure(): { error: unknown } | undefined;
}

/** A write queue for `durability`. */
export function createWriteQueue(durability: Durability): WriteQueue {
  if (durability === "sync") {
    return { run: (op) => op(), flush: async () => undefined, failure: () => undefined };
  }
  let tail: Promise<void> = Promise.resolve();
  let failed: { error: unknown } | undefined;
  return {
    run(op) {
      tail = tail.then(async () => void (await op()));
      tail.catch((error: unknown) => {
        failed ??= { error };
      });
      return Promise.resolve();
    },
    flush: () => tail,
    failure: () => failed,
  };
}

/** What `saveCheckpoint` needs from a run (or an update). */
export type SaveContext = Pick<
  RunContext,
  "graph" | "store" | "threadId" | "checkpointNs" | "metadata" | "emitter" | "floorIds" | "writes" | "parents"
>;

/**
 * Saves `checkpoint` (its `id`/`ts` are replaced by a new time-ordered id sorting after the parent and the
 * thread's known ids, §8) with metadata `{...run metadata, source, step, parents: {}}` and parent link
 * `parentId` (§1.12). `parentWrites` are stored against the parent in the same call. Emits `checkpoints`/`debug`.
 * With an `async` write queue the put runs in the background.
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
  await ctx.writes.run(() =>
    ctx.store.put({
      threadId: ctx.threadId,
      checkpointNs: ctx.checkpointNs,
      checkpoint: cp,
      metadata,
      parentCheckpointId: parentId,
      ...(parentWrites && parentWrites.length > 0 ? { parentWrites } : {}),
    }),
  );
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
