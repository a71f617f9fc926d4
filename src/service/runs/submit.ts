/**
 * Creating a run for the runs service: open the thread (create it for a stateless run or `if_not_exists:
 * "create"`), check the start checkpoint, then hand the run to the runtime with its multitask strategy. A thread
 * created here is removed again when the run is refused (busy thread, unknown checkpoint, engine refusal), so a
 * refused request leaves no trace.
 */
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import { CheckpointNotFoundError, type CheckpointStore } from "../../engine/index.js";
import type { RunRuntime, Submitted } from "../../runtime/runtime.js";
import type { RunPlan } from "../../runtime/types.js";
import { ThreadNotFoundError } from "../../store/errors.js";
import type { AssistantRecord, ThreadRecord, ThreadStore } from "../../store/records.js";
import type { RunParams } from "./params.js";

/** What `submitRun` needs. */
export interface SubmitDeps {
  threads: ThreadStore;
  checkpoints: CheckpointStore;
  runtime: RunRuntime;
}

/** One run to create. */
export interface SubmitRequest {
  params: RunParams;
  assistant: AssistantRecord;
  plan: RunPlan;
  /** "wait"/"stream": execute here at once when the thread is free; "background": leave it to the queue. */
  mode: "wait" | "stream" | "background";
  /** The thread, already being read. */
  thread?: Promise<ThreadRecord>;
}

/** A created run and its `Content-Location`. */
export interface SubmittedRun extends Submitted {
  /** `/threads/{tid}/runs/{rid}` or, for a stateless run, `/runs/{rid}`. */
  location: string;
}

/**
 * Creates the run.
 * @throws ThreadNotFoundError, CheckpointNotFoundError, ThreadBusyError (multitask `reject`); nothing written.
 */
export async function submitRun(deps: SubmitDeps, request: SubmitRequest): Promise<SubmittedRun> {
  const { params, assistant, mode } = request;
  const metadata = { graph_id: assistant.graphId, assistant_id: assistant.assistantId };
  let created = false;
  let thread: ThreadRecord;
  if (params.threadId === null) {
    thread = await deps.threads.create({ threadId: uuidv4(), metadata });
    created = true;
  } else {
    try {
      thread = await (request.thread ?? deps.threads.get(params.threadId));
    } catch (error) {
      if (!(error instanceof ThreadNotFoundError) || !params.createThread) throw error;
      thread = await deps.threads.create({ threadId: params.threadId, metadata });
      created = true;
    }
  }
  const threadId = thread.threadId;
  const remove = async () => {
    if (!created) return;
    await Promise.all([
      deps.threads.delete(threadId).catch(() => undefined),
      deps.checkpoints.deleteThread(threadId),
    ]);
  };
  let submitted: Submitted;
  try {
    if (params.checkpointId !== undefined) {
      const tuple = await deps.checkpoints.getTuple({ threadId, checkpointId: params.checkpointId });
      if (!tuple) throw new CheckpointNotFoundError(threadId, params.checkpointId);
    }
    const same =
      thread.metadata.graph_id === assistant.graphId &&
      thread.metadata.assistant_id === assistant.assistantId;
    submitted = await deps.runtime.submit({
      run: {
        runId: uuidv7(),
        threadId,
        assistantId: assistant.assistantId,
        metadata: params.metadata,
        kwargs: params.kwargs,
        multitaskStrategy: params.multitaskStrategy,
        ...(params.delayMs > 0 ? { availableAt: new Date(Date.now() + params.delayMs) } : {}),
        logEvents: mode !== "wait",
        ...(same ? {} : { threadMetadata: metadata }),
      },
      ...(mode !== "background" ? { plan: request.plan } : {}),
    });
  } catch (error) {
    await remove();
    throw error;
  }
  submitted.local?.catch(() => remove());
  const runId = submitted.run.runId;
  return {
    ...submitted,
    location: params.threadId === null ? `/runs/${runId}` : `/threads/${threadId}/runs/${runId}`,
  };
}
