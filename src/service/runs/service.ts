/**
 * RunsService (docs/api.md §3 "Runs", docs/api.md §5–§7): create (background), wait, stream, get, list, delete, join,
 * join-stream, cancel; stateful (`/threads/{id}/runs/...`) and stateless (`/runs/...`, `thread_id` empty).
 * Run responses carry `Content-Location: /threads/{tid}/runs/{rid}` (or `/runs/{rid}`), which the SDK reads.
 */
import { create, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  CreateRunBatchResponseSchema,
  type CreateRunRequest,
  ListRunsResponseSchema,
  RunSchema,
  type RunsService,
  StreamPartSchema,
  WaitRunResponseSchema,
} from "../../../gen/ts/loom/v1/runs_pb.js";
import type { CheckpointStore, JsonObject } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import { onAbort } from "../../runtime/abort.js";
import type { RunRuntime } from "../../runtime/runtime.js";
import { RunNotFoundError } from "../../store/errors.js";
import type { LoggedEvent } from "../../store/queue-store.js";
import {
  ACTIVE_RUN_STATUSES,
  type AssistantStore,
  type CancelAction,
  type RunStatus,
  type RunStore,
  type ThreadStore,
} from "../../store/records.js";
import { resolveAssistant } from "../assistants/resolve.js";
import { authConfigurable, requestAuth } from "../auth/context.js";
import { refuseContextClash } from "../context-clash.js";
import { objectFromStruct, runToProto, valueFromJson } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { extractValues, parseExtract } from "../extract.js";
import { applySelect } from "../select.js";
import { parseLimit, parseOffset, requireUuid } from "../validate.js";
import { runParamsFromProto } from "./params.js";
import { planFromParams } from "./plan.js";
import { submitRun } from "./submit.js";

/** What the runs service needs. */
export interface RunsServiceDeps {
  threads: ThreadStore;
  runs: RunStore;
  assistants: AssistantStore;
  checkpoints: CheckpointStore;
  registry: GraphRegistry;
  runtime: RunRuntime;
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

/** `user-agent` and `x-*` request headers (but credentials) go into `config.configurable` (docs/api.md §1). */
function headerConfigurable(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    if ((key.startsWith("x-") && !PRIVATE_HEADERS.has(key)) || key === "user-agent") out[key] = value;
  });
  return out;
}

/**
 * The parts of logged events: a run's hub hands the same event object to every local reader (`run-hub.ts`), so
 * it is converted once per event, not once per stream (the REST bridge formats it once too). Parts are read only.
 */
const parts = new WeakMap<LoggedEvent, ReturnType<typeof convertPart>>();

function convertPart(e: LoggedEvent) {
  // A subgraph's event is named `<mode>|<namespace>` (docs/api.md §7); gRPC clients also get the namespace alone.
  const bar = e.event.indexOf("|");
  return create(StreamPartSchema, {
    event: e.event,
    data: valueFromJson(e.data),
    id: String(e.seq),
    ...(bar >= 0 ? { namespace: e.event.slice(bar + 1) } : {}),
  });
}

function toPart(e: LoggedEvent) {
  let part = parts.get(e);
  if (!part) {
    part = convertPart(e);
    parts.set(e, part);
  }
  return part;
}

/** The stream mode that produces an event: `messages` ← `messages-tuple`, `messages/*` ← `messages` (docs/api.md §7). */
function requestModeOf(event: string): string {
  if (event === "messages") return "messages-tuple";
  return event.startsWith("messages/") ? "messages" : event;
}

/**
 * A run's logged events after the `metadata` part this answer sent itself (docs/api.md §7: one `metadata`, then one
 * event per engine event): a run that had not started yet logs its own `metadata` first, and that one is dropped.
 */
async function* afterOwnMetadata(events: AsyncIterable<LoggedEvent>): AsyncGenerator<LoggedEvent> {
  let first = true;
  for await (const e of events) {
    if (!(first && e.event === "metadata")) yield e;
    first = false;
  }
}

/** `Last-Event-ID` as a seq: events after it are replayed (`-1`: all); `undefined` when absent or malformed. */
function lastEventId(headers: Headers): number | undefined {
  const raw = headers.get("last-event-id");
  if (raw === null || raw.trim() === "" || !/^-?\d+$/.test(raw.trim())) return undefined;
  return Math.max(-1, Number(raw.trim()));
}

/** The metadata an authorization handler stamped for a thread this run creates (`SubmitRequest.threadMetadata`). */
function threadStamp(ctx: HandlerContext): { threadMetadata?: JsonObject } {
  const metadata = requestAuth(ctx)?.threadMetadata;
  return metadata ? { threadMetadata: metadata } : {};
}

/** Creates the RunsService implementation. Errors are domain errors, mapped by `withErrorMapping`. */
export function createRunsService(deps: RunsServiceDeps): ServiceImpl<typeof RunsService> {
  const { threads, runs, assistants, registry, runtime } = deps;

  /**
   * Validates a run creation and resolves its assistant; writes nothing.
   * @throws InvalidInputError, AssistantNotFoundError and the refusals of `runParamsFromProto`
   */
  async function prepare(req: CreateRunRequest) {
    const stateless = req.threadId === "";
    if (!stateless) requireUuid(req.threadId, "thread_id");
    if (!req.assistantId) throw new InvalidInputError("assistant_id is required", "assistant_id");
    refuseContextClash(objectFromStruct(req.config), objectFromStruct(req.context));
    const assistant = await resolveAssistant(assistants, registry, req.assistantId);
    const graph = registry.get(assistant.graphId);
    const params = runParamsFromProto(req, graph, assistant, stateless);
    return { assistant, graph, params, stateless };
  }

  /** `mode`: "wait"/"stream" execute here at once when the thread is free; "background" goes to the queue. */
  async function start(
    req: CreateRunRequest,
    ctx: HandlerContext,
    mode: "wait" | "stream" | "background",
    prepared?: Awaited<ReturnType<typeof prepare>>,
  ) {
    const { assistant, graph, params, stateless } = prepared ?? (await prepare(req));
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

  /** Cancels the run (`interrupt`) when the request's signal aborts; returns the function that stops listening. */
  function cancelOnAbort(ctx: HandlerContext, runId: string, threadId: string): () => void {
    return onAbort(
      ctx.signal,
      () => void runtime.cancel(runId, threadId, "interrupt", false).catch(() => undefined),
    );
  }

  return {
    async create(req, ctx) {
      const submitted = await start(req, ctx, "background");
      return runToProto(submitted.run);
    },

    async wait(req, ctx) {
      const submitted = await start(req, ctx, "wait");
      try {
        // At the deadline (or disconnect) the wait stops; the run follows `on_disconnect` (see `start`).
        const finished = await runtime.waitForSubmitted(submitted, ctx.signal);
        return create(WaitRunResponseSchema, { values: finished.waitBody, run: runToProto(finished.run) });
      } finally {
        submitted.detach();
      }
    },

    async *stream(req, ctx) {
      const submitted = await start(req, ctx, "stream");
      // At the deadline (or disconnect) the reader stops; the run follows `on_disconnect` (see `start`).
      const it = runtime.events(submitted.run.runId, -1, ctx.signal);
      if (!submitted.local) {
        // Queued behind another run: answer at once (headers, then heartbeats) instead of when a worker starts it.
        try {
          const { run } = submitted;
          yield toPart({ seq: 0, event: "metadata", data: { run_id: run.runId, attempt: run.attempt } });
          for await (const e of afterOwnMetadata(it)) yield toPart(e);
        } finally {
          submitted.detach();
          await it.return(undefined);
        }
        return;
      }
      try {
        const metadata = await it.next();
        const first = metadata.done ? metadata : await it.next();
        // A refused run (deleted, nothing written) logs no engine event: surface its error as the RPC's error,
        // before anything is sent (REST: a plain 4xx instead of an SSE stream).
        if (first.done) await submitted.local;
        if (!metadata.done) yield toPart(metadata.value);
        for (let n = first; !n.done; n = await it.next()) yield toPart(n.value);
      } finally {
        submitted.detach();
        await it.return(undefined);
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
      applySelect(RunSchema, [], req.select);
      const extract = parseExtract(
        req.extract,
        ["metadata", "kwargs"],
        RunSchema.fields.map((f) => f.name),
      );
      await threads.get(req.threadId);
      const items = await runs.listByThread(req.threadId, {
        limit: parseLimit(req.limit),
        offset: parseOffset(req.offset),
        ...(req.status ? { status: req.status as RunStatus } : {}),
      });
      const listed = items.map(runToProto);
      applySelect(RunSchema, listed, req.select);
      if (extract.length > 0) {
        items.forEach((r, i) => {
          const item = listed[i];
          if (item)
            item.extracted = extractValues(
              { metadata: r.metadata, kwargs: r.kwargs },
              extract,
            ) as PbJsonObject;
        });
      }
      return create(ListRunsResponseSchema, { runs: listed });
    },

    async delete(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const run = await runs.get(req.runId, req.threadId);
      // An active run is stopped first (its completed steps are kept), then its record removed.
      if (ACTIVE_RUN_STATUSES.includes(run.status)) {
        await runtime.cancel(req.runId, req.threadId, "interrupt", true);
      }
      await runs.delete(req.runId, req.threadId).catch(() => undefined);
      return {};
    },

    async join(req, ctx) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      await runs.get(req.runId, req.threadId);
      // A join only watches: at the deadline (or disconnect) it stops waiting and the run goes on.
      const finished = await runtime.waitFor(req.runId, ctx.signal);
      return create(WaitRunResponseSchema, { values: finished.waitBody, run: runToProto(finished.run) });
    },

    async *joinStream(req, ctx) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const run = await runs.get(req.runId, req.threadId);
      // Last-Event-ID: replay what followed it (the log keeps a run's events); else live from now on.
      const resumeAfter = lastEventId(ctx.requestHeader);
      const after = resumeAfter ?? (await runtime.lastSeq(run.runId));
      if (resumeAfter === undefined) {
        yield create(StreamPartSchema, {
          event: "metadata",
          data: valueFromJson({ run_id: run.runId, attempt: run.attempt }),
          id: "",
        });
      }
      // A client that leaves (disconnect or deadline) stops watching; with `cancel_on_disconnect` it cancels the run.
      const detach = req.cancelOnDisconnect ? cancelOnAbort(ctx, run.runId, run.threadId) : () => undefined;
      try {
        // `stream_mode=` (empty, as the Python SDK's `join_stream()` sends it) means every mode, as langgraph-api.
        const modes = new Set(req.streamMode.filter((m) => m !== ""));
        const logged = runtime.events(run.runId, after, ctx.signal);
        for await (const e of resumeAfter === undefined ? afterOwnMetadata(logged) : logged) {
          const mode = requestModeOf(e.event.split("|")[0] as string);
          if (modes.size === 0 || modes.has(mode) || e.event === "error" || e.event === "metadata") {
            yield toPart(e);
          }
        }
      } finally {
        detach();
      }
    },

    async createBatch(req, ctx) {
      if (req.runs.length === 0) throw new InvalidInputError("runs must list at least one run", "runs");
      // All items are validated before any run is created: one bad item creates nothing.
      const prepared = [];
      for (const [i, item] of req.runs.entries()) {
        if (item.threadId !== "") {
          throw new InvalidInputError(
            `runs[${i}].thread_id must be empty (batch runs are stateless)`,
            `runs[${i}].thread_id`,
          );
        }
        try {
          prepared.push(await prepare(item));
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          const field = `runs[${i}]${error.field ? `.${error.field}` : ""}`;
          throw new InvalidInputError(`${field}: ${error.message}`, field);
        }
      }
      const created = [];
      for (const [i, item] of req.runs.entries()) {
        created.push(runToProto((await start(item, ctx, "background", prepared[i])).run));
      }
      ctx.responseHeader.delete("content-location");
      return create(CreateRunBatchResponseSchema, { runs: created });
    },

    async cancelMany(req) {
      const filter = req.filter;
      const action: CancelAction = req.action === "rollback" ? "rollback" : "interrupt";
      const status = (filter?.status ?? "").toLowerCase();
      let targets: Array<{ runId: string; threadId: string; status: RunStatus }>;
      if (status !== "") {
        if (!["pending", "running", "all"].includes(status)) {
          throw new InvalidInputError("Invalid status: must be 'pending', 'running', or 'all'", "status");
        }
        if (filter?.threadId || (filter?.runIds.length ?? 0) > 0) {
          throw new InvalidInputError(
            "When providing a 'status', 'thread_id' and 'run_ids' must be omitted. The 'status' parameter cancels all runs with the given status, regardless of thread or run ID.",
            "status",
          );
        }
        const statuses = status === "all" ? ACTIVE_RUN_STATUSES : [status as RunStatus];
        targets = await runs.listByStatus(statuses);
      } else {
        const threadId = requireUuid(filter?.threadId ?? "", "thread_id");
        const runIds = filter?.runIds ?? [];
        if (runIds.length === 0) throw new InvalidInputError("run_ids must list at least one run", "run_ids");
        for (const runId of runIds) requireUuid(runId, "run_ids");
        // Every run is looked up first: an unknown one is NotFound and nothing is cancelled.
        targets = [];
        for (const runId of runIds) targets.push(await runs.get(runId, threadId));
      }
      // Pending runs first: a running run stopped first would let a worker claim the next one of its thread
      // before that one's cancel arrives.
      targets.sort((a, b) => Number(b.status === "pending") - Number(a.status === "pending"));
      for (const t of targets) {
        await runtime.cancel(t.runId, t.threadId, action, false).catch((error: unknown) => {
          // A run that ended or vanished meanwhile needs no cancelling.
          if (!(error instanceof RunNotFoundError)) throw error;
        });
      }
      return {};
    },

    async cancel(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const action = (req.action || "interrupt") as CancelAction;
      if (action !== "interrupt" && action !== "rollback") {
        throw new InvalidInputError('action must be "interrupt" or "rollback"', "action");
      }
      await runtime.cancel(req.runId, req.threadId, action, req.wait);
      return {};
    },
  };
}
