/**
 * Starting a run from a `CreateRunRequest` (docs/api.md §5): validation and assistant resolution (`prepare`), then
 * submission with the caller's headers and identity in `config.configurable` (docs/api.md §1), the
 * `Content-Location`/`Location` headers the SDK reads, and `on_disconnect: "cancel"`.
 */
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { CreateRunRequest } from "../../../gen/ts/loom/v1/runs_pb.js";
import type { JsonObject } from "../../engine/index.js";
import { onAbort } from "../../runtime/abort.js";
import { resolveAssistant } from "../assistants/resolve.js";
import { authConfigurable, requestAuth } from "../auth/context.js";
import { refuseContextClash } from "../context-clash.js";
import { objectFromStruct } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { requireUuid } from "../validate.js";
import type { RunsServiceDeps } from "./deps.js";
import { runParamsFromProto } from "./params.js";
import { planFromParams } from "./plan.js";
import { type SubmittedRun, submitRun } from "./submit.js";

/**
 * The id the run must have, set by an internal caller (the cron firer: one id per cron tick) in the handler
 * context; `undefined` (the default, every client request): a new UUID v7.
 */
export const PRESET_RUN_ID = createContextKey<string | undefined>(undefined, {
  description: "loom preset run id",
});

const PRIVATE_HEADERS = new Set(["x-api-key", "x-tenant-id", "x-service-key"]);

/** `user-agent` and `x-*` request headers (but credentials) go into `config.configurable` (docs/api.md §1). */
function headerConfigurable(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    if ((key.startsWith("x-") && !PRIVATE_HEADERS.has(key)) || key === "user-agent") out[key] = value;
  });
  return out;
}

/** The metadata an authorization handler stamped for a thread this run creates (`SubmitRequest.threadMetadata`). */
function threadStamp(ctx: HandlerContext): { threadMetadata?: JsonObject } {
  const metadata = requestAuth(ctx)?.threadMetadata;
  return metadata ? { threadMetadata: metadata } : {};
}

function presetRunId(ctx: HandlerContext): { runId?: string } {
  const runId = ctx.values.get(PRESET_RUN_ID);
  return runId === undefined ? {} : { runId };
}

/** How a run is started: "wait"/"stream" execute here at once when the thread is free; "background" queues. */
export type StartMode = "wait" | "stream" | "background";

/** The starting steps the RunsService handlers share (see `createRunStarter`). */
export interface RunStarter {
  /**
   * Validates a run creation and resolves its assistant; writes nothing. A stateless run has `thread_id` empty.
   * @throws InvalidInputError, AssistantNotFoundError, the refusals of `runParamsFromProto`, InvalidContextError
   *   (the merged context fails the graph's context schema)
   */
  prepare(req: CreateRunRequest): Promise<PreparedRun>;
  /**
   * Submits the run (preparing it unless `prepared` is given) and sets `Content-Location` (and `Location` of the
   * stream for a stateful stream). The answer's `detach` stops the `on_disconnect: "cancel"` listener; call it when
   * the answer is complete.
   */
  start(
    req: CreateRunRequest,
    ctx: HandlerContext,
    mode: StartMode,
    prepared?: PreparedRun,
  ): Promise<StartedRun>;
  /** Cancels the run (`interrupt`) when the request's signal aborts; returns the function that stops listening. */
  cancelOnAbort(ctx: HandlerContext, runId: string, threadId: string): () => void;
}

/** A validated run creation: its assistant, graph and parameters. */
export type PreparedRun = Awaited<ReturnType<typeof prepareRun>>;

/** A submitted run with the function that stops its disconnect listener. */
export type StartedRun = SubmittedRun & { detach: () => void };

async function prepareRun(deps: RunsServiceDeps, req: CreateRunRequest) {
  const stateless = req.threadId === "";
  if (!stateless) requireUuid(req.threadId, "thread_id");
  if (!req.assistantId) throw new InvalidInputError("assistant_id is required", "assistant_id");
  refuseContextClash(objectFromStruct(req.config), objectFromStruct(req.context));
  const assistant = await resolveAssistant(deps.assistants, deps.registry, req.assistantId);
  const graph = deps.registry.get(assistant.graphId);
  const params = runParamsFromProto(req, graph, assistant, stateless);
  // The merged context (assistant's + run's) against the graph's context schema, before the run is created.
  await graph.checkContext(params.config.context ?? {});
  return { assistant, graph, params, stateless };
}

/** Creates the run starter over the service's dependencies. */
export function createRunStarter(deps: RunsServiceDeps): RunStarter {
  const { runtime } = deps;

  function cancelOnAbort(ctx: HandlerContext, runId: string, threadId: string): () => void {
    return onAbort(
      ctx.signal,
      () => void runtime.cancel(runId, threadId, "interrupt", false).catch(() => undefined),
    );
  }

  async function start(
    req: CreateRunRequest,
    ctx: HandlerContext,
    mode: StartMode,
    prepared?: PreparedRun,
  ): Promise<StartedRun> {
    const { assistant, graph, params, stateless } = prepared ?? (await prepareRun(deps, req));
    // The caller's identity reaches the graph as LangGraph passes it (`langgraph_auth_user`, docs/security.md).
    const fromHeaders = { ...headerConfigurable(ctx.requestHeader), ...authConfigurable(ctx) };
    params.config.configurable = { ...fromHeaders, ...params.config.configurable };
    // A run claimed by another replica rebuilds its config from kwargs: keep the header-derived keys there.
    const kwargsConfig = (params.kwargs.config ?? {}) as Record<string, unknown>;
    params.kwargs.config = {
      ...kwargsConfig,
      configurable: { ...fromHeaders, ...((kwargsConfig.configurable ?? {}) as JsonObject) },
    };
    const submitted = await submitRun(deps, {
      params,
      assistant,
      plan: planFromParams(params, assistant, graph),
      mode,
      ...threadStamp(ctx),
      ...presetRunId(ctx),
    });
    ctx.responseHeader.set("content-location", submitted.location);
    // The SDK reconnects a dropped stream there with `Last-Event-ID` (docs/api.md §1); the event log replays it.
    if (mode === "stream" && !stateless) ctx.responseHeader.set("location", `${submitted.location}/stream`);
    // `on_disconnect: "cancel"` (wait and stream): a client that leaves — disconnect or deadline — cancels the run.
    // `detach` stops listening once the answer is complete (the request's signal also aborts then).
    const detach =
      params.cancelOnDisconnect && mode !== "background"
        ? cancelOnAbort(ctx, submitted.run.runId, submitted.run.threadId)
        : () => undefined;
    return { ...submitted, detach };
  }

  return { prepare: (req) => prepareRun(deps, req), start, cancelOnAbort };
}
