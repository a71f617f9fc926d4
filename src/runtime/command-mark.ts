/**
 * Marks a run's Command writes (`docs/semantics.md §3.6`): the null-task writes a `Command` run saves on
 * its base checkpoint before its first checkpoint carry, in the same `putWrites`, a marker write of task
 * `__loom_command__:<run id>` (a task id no graph prepares, so the engine ignores it). A reclaimed attempt that
 * finds its run's marker on the base does not apply the Command's `update`/`goto` a second time (an append reducer
 * would add the update twice); it sends a Command with only its `resume` (a special write, overwritten) or an
 * empty one, which starts from the same base with the writes already saved there.
 */
import {
  type CheckpointStore,
  Command,
  NULL_TASK_ID,
  type PendingWrite,
  type RunOptions,
  type StoreWrite,
} from "../engine/index.js";

/** Task id of the marker write of run `runId`. */
export function commandMarkTaskId(runId: string): string {
  return `__loom_command__:${runId}`;
}

/**
 * The store with the marker write added to every `putWrites` that saves Command (null-task) writes, alone or inside
 * a `writeBatch` (which it has only when `store` has one).
 */
export function markCommandWrites(store: CheckpointStore, runId: string): CheckpointStore {
  const mark: PendingWrite = {
    taskId: commandMarkTaskId(runId),
    taskPath: "",
    idx: 0,
    channel: "__run__",
    value: runId,
  };
  const marked = (writes: PendingWrite[]) =>
    writes.some((w) => w.taskId === NULL_TASK_ID) ? [...writes, mark] : writes;
  // Not spread as is: the inner `writeBatch` would bypass the marker.
  const { writeBatch, ...rest } = store;
  return {
    ...rest,
    putWrites: (ref, writes) => store.putWrites(ref, marked(writes)),
    ...(writeBatch
      ? {
          writeBatch: (batch: readonly StoreWrite[]) =>
            writeBatch.call(
              store,
              batch.map((w) => (w.kind === "putWrites" ? { ...w, writes: marked(w.writes) } : w)),
            ),
        }
      : {}),
  };
}

/**
 * The engine options of a reclaimed run that wrote no checkpoint yet: when its Command's writes are already on
 * its base checkpoint (`checkpointId`, else the head), the Command reduced to its `resume` (or an empty one);
 * else `options` unchanged. One read, only for a reclaimed Command run.
 */
export async function reclaimedCommandOptions<O extends Pick<RunOptions, "command" | "checkpointId">>(
  store: CheckpointStore,
  threadId: string,
  runId: string,
  options: O,
): Promise<O> {
  const command = options.command;
  if (!command) return options;
  const base = await store.getTuple({
    threadId,
    ...(options.checkpointId !== undefined ? { checkpointId: options.checkpointId } : {}),
  });
  const markId = commandMarkTaskId(runId);
  if (!base?.pendingWrites.some((w) => w.taskId === markId)) return options;
  return { ...options, command: new Command(command.resume !== undefined ? { resume: command.resume } : {}) };
}
