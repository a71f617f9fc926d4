/**
 * Starts runs and executes them in this process (the "reject" multitask strategy; a queue with workers is the
 * next issue). A run: check the thread (create it for stateless runs / `if_not_exists: "create"`), check the
 * start checkpoint, create the run record atomically marking the thread busy (a busy thread → ThreadBusyError,
 * 409), execute the engine on the thread's checkpoints, then finish the run and set the thread's status,
 * values, interrupts and error in one store call.
 *
 * A run the engine refuses before writing anything (unknown checkpoint, several interrupts with a plain
 * resume, invalid input) is rolled back: its run record is deleted and the thread status restored, so a
 * refused request leaves no trace. A run that fails mid-way for another reason (storage) ends `error`, thread
 * `error`, and the error is rethrown to the caller.
 */
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import {
  CheckpointNotFoundError,
  type CheckpointStore,
  type CompiledGraph,
  GraphAbortedError,
  getState,
  InvalidUpdateError,
  type JsonObject,
  MultipleInterruptsError,
  NodeNotFoundError,
  runGraph,
} from "../../engine/index.js";
import { ThreadNotFoundError } from "../../store/errors.js";
import type { AssistantRecord, RunRecord, RunStore, ThreadRecord, ThreadStore } from "../../store/records.js";
import { createRunChannel, type RunChannel, type RunSubscription } from "./channel.js";
import { errorJson, runStatusFor, threadUpdateFor, waitBodyFor } from "./outcome.js";
import type { RunParams } from "./params.js";

/** What the executor needs. */
export interface RunExecutorDeps {
  threads: ThreadStore;
  runs: RunStore;
  checkpoints: CheckpointStore;
  /** Called with the error of every run whose `done` rejects (refusals included), e.g. to log background runs. */
  onBackgroundError?: (error: unknown, runId: string) => void;
}

/** How a run ended. */
export interface RunFinished {
  run: RunRecord;
  /** The wait body (DESIGN.md). */
  waitBody: JsonObject;
}

/** A started run. */
export interface RunHandle {
  run: RunRecord;
  /** `/threads/{tid}/runs/{rid}` or, for a stateless run, `/runs/{rid}`. */
  location: string;
  /** Set when `start` was asked to subscribe: the run's parts from the first one (`metadata`). */
  subscription: RunSubscription | undefined;
  channel: RunChannel;
  /** Resolves when the run ends; rejects with the engine's error when the run was refused (nothing written). */
  done: Promise<RunFinished>;
  /** Aborts the run; it ends `interrupted`, the steps it completed are kept. */
  cancel(): void;
}

/** Options of {@link RunExecutor.start}. */
export interface StartOptions {
  /** Subscribe to the run's parts before it starts (streaming callers). */
  subscribe?: boolean;
  /** Produce stream events (streaming and background runs); a plain wait skips them. */
  emitEvents?: boolean;
  /** The thread, already being read (overlaps the read with the assistant lookup); default: read it here. */
  thread?: Promise<ThreadRecord>;
}

/** Starts runs and tracks the ones in flight in this process. */
export interface RunExecutor {
  /**
   * Starts a run and returns once its record exists and it is executing.
   * @throws ThreadNotFoundError, CheckpointNotFoundError, ThreadBusyError (nothing written in each case).
   */
  start(
    params: RunParams,
    assistant: AssistantRecord,
    graph: CompiledGraph,
    options?: StartOptions,
  ): Promise<RunHandle>;
  /** The in-flight run with this id, if it runs in this process. */
  active(runId: string): RunHandle | undefined;
  /** Resolves once every in-flight run has ended (for shutdown and tests). */
  drain(): Promise<void>;
  /** Cancels every in-flight run (shutdown): each ends `interrupted` with its completed steps kept. */
  cancelAll(): void;
}

/** Creates the executor. */
export function createRunExecutor(deps: RunExecutorDeps): RunExecutor {
  const { threads, runs, checkpoints } = deps;
  const inFlight = new Map<string, RunHandle>();

  async function openThread(
    params: RunParams,
    assistant: AssistantRecord,
    prefetched?: Promise<ThreadRecord>,
  ) {
    const metadata = { graph_id: assistant.graphId, assistant_id: assistant.assistantId };
    if (params.threadId === null) {
      return { thread: await threads.create({ threadId: uuidv4(), metadata }), created: true };
    }
    try {
      return { thread: await (prefetched ?? threads.get(params.threadId)), created: false };
    } catch (error) {
      if (!(error instanceof ThreadNotFoundError) || !params.createThread) throw error;
      return { thread: await threads.create({ threadId: params.threadId, metadata }), created: true };
    }
  }

  async function removeThread(threadId: string) {
    await Promise.all([threads.delete(threadId).catch(() => undefined), checkpoints.deleteThread(threadId)]);
  }

  return {
    active: (runId) => inFlight.get(runId),
    cancelAll() {
      for (const handle of inFlight.values()) handle.cancel();
    },
    async drain() {
      await Promise.all([...inFlight.values()].map((h) => h.done.catch(() => undefined)));
    },
    async start(params, assistant, graph, options = {}) {
      const { thread, created } = await openThread(params, assistant, options.thread);
      const threadId = thread.threadId;
      let run: RunRecord;
      try {
        if (params.checkpointId !== undefined) {
          const tuple = await checkpoints.getTuple({ threadId, checkpointId: params.checkpointId });
          if (!tuple) throw new CheckpointNotFoundError(threadId, params.checkpointId);
        }
        run = await runs.create(
          {
            runId: uuidv7(),
            threadId,
            assistantId: assistant.assistantId,
            metadata: params.metadata,
            kwargs: params.kwargs,
            multitaskStrategy: "reject",
          },
          { rejectIfBusy: true },
        );
      } catch (error) {
        if (created) await removeThread(threadId);
        throw error;
      }
      const abort = new AbortController();
      const channel = createRunChannel();
      const subscription = options.subscribe ? channel.subscribe() : undefined;
      channel.publish("metadata", { run_id: run.runId, attempt: run.attempt });
      const stateless = params.threadId === null;
      const execute = async (): Promise<RunFinished> => {
        // Both touch other documents than the engine does; they overlap with the run instead of adding round trips.
        // The thread-metadata patch must land before `finish` (whose transaction also writes the thread).
        const running = runs.update(run.runId, { status: "running" }).catch(() => undefined);
        const metadataPatched = patchGraphMetadata(thread, assistant).catch(() => undefined);
        let result: Awaited<ReturnType<typeof runGraph>>;
        try {
          result = await runGraph(graph, checkpoints, {
            threadId,
            input: params.input,
            ...(params.command ? { command: params.command } : {}),
            ...(params.checkpointId !== undefined ? { checkpointId: params.checkpointId } : {}),
            ...(params.interruptBefore ? { interruptBefore: params.interruptBefore } : {}),
            ...(params.interruptAfter ? { interruptAfter: params.interruptAfter } : {}),
            config: params.config,
            metadata: {
              ...primitives(params.metadata),
              run_id: run.runId,
              thread_id: threadId,
              graph_id: assistant.graphId,
              assistant_id: assistant.assistantId,
              run_attempt: run.attempt,
            },
            signal: abort.signal,
            ...(options.emitEvents || subscription
              ? { onEvent: (e) => channel.publish(e.mode, e.data) }
              : {}),
            streamMode: params.streamModes,
          });
        } catch (error) {
          await Promise.all([running, metadataPatched]);
          if (!isRefusal(error)) {
            // Failed mid-run (e.g. storage): keep what was written, end the run and the thread in error.
            const failure = error instanceof Error ? error : new Error(String(error));
            await runs
              .finish(run.runId, "error", { status: "error", error: errorJson(failure) })
              .catch(() => undefined);
            channel.publish("error", errorJson(failure));
          } else if (created) await removeThread(threadId);
          else await rollBack(run, thread);
          throw error;
        }
        await Promise.all([running, metadataPatched]);
        // A static breakpoint names no interrupt; the thread still lists the paused tasks (one read, only then).
        const paused =
          result.status === "interrupted" && result.interrupts.length === 0
            ? (await getState(graph, checkpoints, { threadId })).tasks.map((t) => t.id)
            : [];
        const finished = await runs.finish(run.runId, runStatusFor(result), threadUpdateFor(result, paused));
        if (result.status === "error" && !(result.error instanceof GraphAbortedError)) {
          channel.publish("error", errorJson(result.error));
        }
        if (stateless && !params.keepThread) await removeThread(threadId);
        return { run: finished, waitBody: waitBodyFor(result) };
      };
      const handle: RunHandle = {
        run,
        location: stateless ? `/runs/${run.runId}` : `/threads/${threadId}/runs/${run.runId}`,
        subscription,
        channel,
        done: execute().finally(() => {
          inFlight.delete(run.runId);
          channel.close();
        }),
        cancel: () => abort.abort(),
      };
      handle.done.catch((error: unknown) => deps.onBackgroundError?.(error, run.runId));
      inFlight.set(run.runId, handle);
      return handle;
    },
  };

  async function rollBack(run: RunRecord, before: ThreadRecord) {
    await runs.delete(run.runId, run.threadId);
    await threads.updateState(before.threadId, { status: before.status });
  }

  async function patchGraphMetadata(thread: ThreadRecord, assistant: AssistantRecord) {
    const m = thread.metadata;
    if (m.graph_id === assistant.graphId && m.assistant_id === assistant.assistantId) return;
    await threads.patch(thread.threadId, {
      metadata: { graph_id: assistant.graphId, assistant_id: assistant.assistantId },
    });
  }
}

/**
 * Errors `runGraph` throws before it writes anything (runner.ts): the request is refused and rolled back.
 * Anything else it throws (storage failures) happened mid-run.
 */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof CheckpointNotFoundError ||
    error instanceof MultipleInterruptsError ||
    error instanceof InvalidUpdateError ||
    error instanceof NodeNotFoundError
  );
}

/** Primitive values of run metadata (checkpoint metadata keeps primitives only, engine-semantics §1.11). */
function primitives(o: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v === null || typeof v !== "object"));
}
