/**
 * RunsService (agent-api.md §3 "Runs", §5–§7): create (background), wait, stream, get, list, delete, join,
 * join-stream, cancel; stateful (`/threads/{id}/runs/...`) and stateless (`/runs/...`, `thread_id` empty).
 * Run responses carry `Content-Location: /threads/{tid}/runs/{rid}` (or `/runs/{rid}`), which the SDK reads.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type CreateRunRequest,
  ListRunsResponseSchema,
  type RunsService,
  StreamPartSchema,
  WaitRunResponseSchema,
} from "../../../gen/ts/loom/v1/runs_pb.js";
import type { CheckpointStore } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { AssistantStore, RunStatus, RunStore, ThreadStore } from "../../store/records.js";
import { resolveAssistant } from "../assistants/resolve.js";
import { runToProto, valueFromJson } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { parseLimit, parseOffset, requireUuid } from "../validate.js";
import type { RunPart } from "./channel.js";
import type { RunExecutor, RunHandle } from "./executor.js";
import { waitBodyFromThread } from "./outcome.js";
import { runParamsFromProto } from "./params.js";

/** What the runs service needs. */
export interface RunsServiceDeps {
  threads: ThreadStore;
  runs: RunStore;
  assistants: AssistantStore;
  checkpoints: CheckpointStore;
  registry: GraphRegistry;
  executor: RunExecutor;
}

const RUN_STATUSES: readonly RunStatus[] = [
  "pending",
  "running",
  "error",
  "success",
  "timeout",
  "interrupted",
];

const PRIVATE_HEADERS = new Set(["x-api-key", "x-tenant-id", "x-service-key"]);

/** `user-agent` and `x-*` request headers (but credentials) go into `config.configurable` (agent-api.md §1). */
function headerConfigurable(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    if ((key.startsWith("x-") && !PRIVATE_HEADERS.has(key)) || key === "user-agent") out[key] = value;
  });
  return out;
}

function toPart(p: RunPart) {
  return create(StreamPartSchema, { event: p.event, data: valueFromJson(p.data), id: p.id });
}

/** Creates the RunsService implementation. Errors are domain errors, mapped by `withErrorMapping`. */
export function createRunsService(deps: RunsServiceDeps): ServiceImpl<typeof RunsService> {
  const { threads, runs, assistants, registry, executor } = deps;

  /** `mode`: "wait" (no events), "stream" (subscribed before start), "background" (events for join-stream). */
  async function start(req: CreateRunRequest, ctx: HandlerContext, mode: "wait" | "stream" | "background") {
    const stateless = req.threadId === "";
    if (!stateless) requireUuid(req.threadId, "thread_id");
    if (!req.assistantId) throw new InvalidInputError("assistant_id is required", "assistant_id");
    // Read the thread while the assistant is looked up; the executor awaits it (and handles a missing one).
    const thread = stateless ? undefined : threads.get(req.threadId);
    thread?.catch(() => undefined);
    const assistant = await resolveAssistant(assistants, registry, req.assistantId);
    const graph = registry.get(assistant.graphId);
    const params = runParamsFromProto(req, graph, assistant.config, stateless);
    params.config.configurable = { ...headerConfigurable(ctx.requestHeader), ...params.config.configurable };
    const handle: RunHandle = await executor.start(params, assistant, graph, {
      subscribe: mode === "stream",
      emitEvents: mode !== "wait",
      ...(thread ? { thread } : {}),
    });
    ctx.responseHeader.set("content-location", handle.location);
    if (params.cancelOnDisconnect)
      ctx.signal.addEventListener("abort", () => handle.cancel(), { once: true });
    return handle;
  }

  return {
    async create(req, ctx) {
      const handle = await start(req, ctx, "background");
      return runToProto(handle.run);
    },

    async wait(req, ctx) {
      const handle = await start(req, ctx, "wait");
      const finished = await handle.done;
      return create(WaitRunResponseSchema, { values: finished.waitBody, run: runToProto(finished.run) });
    },

    async *stream(req, ctx) {
      const handle = await start(req, ctx, "stream");
      const sub = handle.subscription;
      if (!sub) return;
      const it = sub[Symbol.asyncIterator]();
      try {
        const metadata = await it.next();
        const first = await it.next();
        // A refused run (nothing written) closes the channel without an engine event: surface its error as the
        // RPC's error, before anything is sent (REST: a plain 4xx instead of an SSE stream).
        if (first.done) await handle.done;
        if (!metadata.done) yield toPart(metadata.value);
        for (let n = first; !n.done; n = await it.next()) yield toPart(n.value);
        await handle.done;
      } finally {
        sub.close();
      }
    },

    async get(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      return runToProto(await runs.get(req.runId, req.threadId));
    },

    async list(req) {
      requireUuid(req.threadId, "thread_id");
      if (req.status && !RUN_STATUSES.includes(req.status as RunStatus)) {
        throw new InvalidInputError(`status must be one of ${RUN_STATUSES.join(", ")}`, "status");
      }
      await threads.get(req.threadId);
      const items = await runs.listByThread(req.threadId, {
        limit: parseLimit(req.limit),
        offset: parseOffset(req.offset),
        ...(req.status ? { status: req.status as RunStatus } : {}),
      });
      return create(ListRunsResponseSchema, { runs: items.map(runToProto) });
    },

    async delete(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const run = await runs.get(req.runId, req.threadId);
      if (run.status === "pending" || run.status === "running") {
        throw new InvalidInputError("Cannot delete a pending or running run; cancel it first", "run_id");
      }
      await runs.delete(req.runId, req.threadId);
      return {};
    },

    async join(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const run = await runs.get(req.runId, req.threadId);
      const active = executor.active(run.runId);
      if (active) {
        const finished = await active.done;
        return create(WaitRunResponseSchema, { values: finished.waitBody, run: runToProto(finished.run) });
      }
      const thread = await threads.get(req.threadId);
      return create(WaitRunResponseSchema, { values: waitBodyFromThread(thread), run: runToProto(run) });
    },

    async *joinStream(req, ctx) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const run = await runs.get(req.runId, req.threadId);
      const active = executor.active(run.runId);
      yield toPart({ event: "metadata", data: { run_id: run.runId, attempt: run.attempt }, id: "" });
      if (!active) return;
      const sub = active.channel.subscribe();
      if (req.cancelOnDisconnect) ctx.signal.addEventListener("abort", () => active.cancel(), { once: true });
      const modes = new Set(req.streamMode);
      try {
        for await (const part of sub) {
          if (modes.size === 0 || modes.has(part.event.split("|")[0] as string) || part.event === "error") {
            yield toPart(part);
          }
        }
      } finally {
        sub.close();
      }
    },

    async cancel(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      if (req.action !== "" && req.action !== "interrupt") {
        throw new InvalidInputError('action must be "interrupt" (rollback is not supported yet)', "action");
      }
      const run = await runs.get(req.runId, req.threadId);
      const active = executor.active(run.runId);
      if (active) {
        active.cancel();
        if (req.wait) await active.done.catch(() => undefined);
      } else if (run.status === "pending" || run.status === "running") {
        // Owned by no live executor here (e.g. left over from a crash): end it now.
        await runs.finish(run.runId, "interrupted", { status: "idle" });
      }
      return {};
    },
  };
}
