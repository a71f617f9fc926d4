/**
 * Creating a run for the runs service: create the thread for a stateless run (or, with `if_not_exists: "create"`,
 * when the run creation finds none), check the start checkpoint, and hand the run to the runtime with its
 * multitask strategy; the thread is not read first (the run creation's thread write finds it). A thread
 * created here is removed again when the run is refused (busy thread, unknown checkpoint, engine refusal), so a
 * refused request leaves no trace. A plain resume while several interrupts are pending is refused here too, before
 * anything is written (docs/semantics.md §3.8).
 */
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import {
  CheckpointNotFoundError,
  type CheckpointStore,
  isResumeMap,
  type JsonObject,
  MultipleInterruptsError,
} from "../../engine/index.js";
import type { HostedGraph } from "../../host/hosted-graph.js";
import type { RunRuntime, Submitted } from "../../runtime/runtime.js";
import type { RunPlan } from "../../runtime/types.js";
import { ThreadNotFoundError } from "../../store/errors.js";
import type { AssistantRecord, ThreadStore } from "../../store/records.js";
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
  /**
   * Metadata for a thread this run creates, under `graph_id` and `assistant_id` (the run metadata an
   * authorization handler stamped, e.g. `owner`; docs/security.md). @default none
   */
  threadMetadata?: JsonObject;
  /** The run's id (`PRESET_RUN_ID`). @default a new UUID v7 */
  runId?: string;
}

/** A created run and its `Content-Location`. */
export interface SubmittedRun extends Submitted {
  /** `/threads/{tid}/runs/{rid}` or, for a stateless run, `/runs/{rid}`. */
  location: string;
}

/**
 * Creates the run.
 * @throws ThreadNotFoundError, CheckpointNotFoundError, MultipleInterruptsError, ThreadBusyError (multitask
 *   `reject`), RunExistsError (a preset `runId` is taken); nothing written.
 */
export async function submitRun(deps: SubmitDeps, request: SubmitRequest): Promise<SubmittedRun> {
  const { params, assistant, mode } = request;
  const metadata = {
    ...request.threadMetadata,
    graph_id: assistant.graphId,
    assistant_id: assistant.assistantId,
  };
  let created = false;
  const threadId = params.threadId ?? uuidv4();
  const createThread = async () => {
    await deps.threads.create({ threadId, metadata });
    created = true;
  };
  const remove = async () => {
    if (!created) return;
    await deps.threads.delete(threadId).catch(() => undefined);
  };
  // The thread is not read first: the run creation finds it (or not) in the same write that marks it busy.
  const enqueue = () =>
    deps.runtime.submit({
      run: {
        runId: request.runId ?? uuidv7(),
        threadId,
        assistantId: assistant.assistantId,
        metadata: params.metadata,
        kwargs: params.kwargs,
        multitaskStrategy: params.multitaskStrategy,
        ...(params.delayMs > 0 ? { availableAt: new Date(Date.now() + params.delayMs) } : {}),
        logEvents: mode !== "wait",
        threadMetadata: metadata,
      },
      ...(mode !== "background" ? { plan: request.plan } : {}),
    });
  let submitted: Submitted;
  try {
    if (params.threadId === null) await createThread();
    if (params.checkpointId !== undefined) {
      // A missing thread is reported as such before the checkpoint (404 either way).
      if (!created) await openThread(deps, threadId, params.createThread ? createThread : undefined);
      const tuple = await deps.checkpoints.getTuple({ threadId, checkpointId: params.checkpointId });
      if (!tuple) throw new CheckpointNotFoundError(threadId, params.checkpointId);
    }
    if (!created) await refuseAmbiguousResume(deps, request.plan.graph, threadId, params);
    try {
      submitted = await enqueue();
    } catch (error) {
      if (!(error instanceof ThreadNotFoundError) || !params.createThread || created) throw error;
      await createThread();
      submitted = await enqueue();
    }
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

/** Reads the thread; a missing one is created by `create` when given. @throws ThreadNotFoundError */
async function openThread(deps: SubmitDeps, threadId: string, create?: () => Promise<void>): Promise<void> {
  try {
    await deps.threads.get(threadId);
  } catch (error) {
    if (!(error instanceof ThreadNotFoundError) || !create) throw error;
    await create();
  }
}

/**
 * Refuses a plain (not per-id) `command.resume` while the start checkpoint (`checkpoint_id`, or the head) has
 * several pending interrupts, before the run is written (docs/semantics.md §3.8). The engine checks again when the
 * run starts, for a thread that changed in between; checking here as well means the refusal is a 422 even for a
 * wait whose keep-alive would already have sent its 200, and no run record is left behind.
 * @throws MultipleInterruptsError naming the pending ids
 */
async function refuseAmbiguousResume(
  deps: SubmitDeps,
  graph: HostedGraph,
  threadId: string,
  params: RunParams,
): Promise<void> {
  const resume = params.command?.resume;
  if (resume === undefined || isResumeMap(resume)) return;
  const state = await graph.getState(deps.checkpoints, {
    threadId,
    ...(params.checkpointId !== undefined ? { checkpointId: params.checkpointId } : {}),
  });
  if (state.interrupts.length > 1) throw new MultipleInterruptsError(state.interrupts.map((i) => i.id));
}
