/**
 * Copying a thread (docs/api.md §3 "Threads"): a new thread with the source's metadata and config, all its
 * checkpoints and pending writes, and its state; a busy source's copy is `idle`.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { v4 as uuidv4 } from "uuid";
import type { ThreadsService } from "../../../gen/ts/loom/v1/threads_pb.js";
import { threadToProto } from "../convert.js";
import { requireUuid } from "../validate.js";
import type { ThreadCrudDeps } from "./crud-deps.js";

/** Copies the checkpoints of `sourceThreadId` into `threadId` one by one, oldest first, with their pending writes. */
async function copyOneByOne(
  checkpoints: ThreadCrudDeps["checkpoints"],
  sourceThreadId: string,
  threadId: string,
): Promise<void> {
  const tuples = (await checkpoints.list({ threadId: sourceThreadId })).reverse();
  for (const t of tuples) {
    const ref = await checkpoints.put({
      threadId,
      checkpointNs: t.checkpointNs,
      checkpoint: t.checkpoint,
      metadata: { ...t.metadata, thread_id: threadId },
      parentCheckpointId: t.parentCheckpointId,
    });
    if (t.pendingWrites.length > 0) await checkpoints.putWrites(ref, t.pendingWrites);
  }
}

/**
 * The `copy` handler: the checkpoints are copied in one server-side step when `deps.copyThreadCheckpoints` is
 * given, else one by one.
 * @throws InvalidInputError (422), ThreadNotFoundError (404)
 */
export function threadCopyHandler(deps: ThreadCrudDeps): ServiceImpl<typeof ThreadsService>["copy"] {
  const { threads, checkpoints } = deps;
  return async (req) => {
    const source = await threads.get(requireUuid(req.threadId, "thread_id"));
    const threadId = uuidv4();
    await threads.create({
      threadId,
      metadata: { ...source.metadata, thread_id: threadId },
      config: source.config,
    });
    await threads.beginCheckpointWrite(threadId);
    if (deps.copyThreadCheckpoints) await deps.copyThreadCheckpoints(source.threadId, threadId);
    else await copyOneByOne(checkpoints, source.threadId, threadId);
    const status = source.status === "busy" ? "idle" : source.status;
    const updated = await threads.updateState(threadId, {
      status,
      values: source.values,
      interrupts: source.interrupts,
      error: source.error,
    });
    return threadToProto(updated);
  };
}
