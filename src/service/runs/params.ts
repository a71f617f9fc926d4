/**
 * `CreateRunRequest` (the RunCreate body, docs/api.md §5) → validated domain run parameters. Everything a
 * client can get wrong is checked here, before anything is written.
 */
import { toJson } from "@bufbuild/protobuf";
import type { Value } from "@bufbuild/protobuf/wkt";
import { type CreateRunRequest, CreateRunRequestSchema } from "../../../gen/ts/loom/v1/runs_pb.js";
import {
  type BreakpointList,
  Command,
  type Durability,
  END,
  type JsonObject,
  type JsonValue,
  type RunConfig,
  Send,
  STREAM_MODES,
  type StreamMode,
} from "../../engine/index.js";
import type { HostedGraph } from "../../host/hosted-graph.js";
import type { MultitaskStrategy } from "../../store/records.js";
import { jsonFromValue, objectFromStruct } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { requireUuid } from "../validate.js";

/** Validated parameters of one run. */
export interface RunParams {
  /** Thread id, or `null` for a stateless run. */
  threadId: string | null;
  /** New input; `undefined` (absent or null) continues from the head / selected checkpoint. */
  input: JsonValue | undefined;
  command: Command | undefined;
  checkpointId: string | undefined;
  interruptBefore: BreakpointList | undefined;
  interruptAfter: BreakpointList | undefined;
  /** Assistant config merged with the run's config; `context` is the assistant's context merged with the run's. */
  config: RunConfig;
  /** Run metadata (stored on the run, copied into checkpoint metadata). */
  metadata: JsonObject;
  /** Requested stream modes the engine produces (others are accepted and produce nothing). @default ["values"] */
  streamModes: StreamMode[];
  /** `stream_subgraphs`: also stream the events of subgraphs, named `<mode>|<namespace>` (docs/api.md §7). */
  subgraphs: boolean;
  /** `if_not_exists: "create"`: create a missing thread. */
  createThread: boolean;
  /** Stateless runs: keep the temporary thread (`on_completion: "keep"`). */
  keepThread: boolean;
  /** `on_disconnect: "cancel"`: cancel the run when the streaming/waiting client goes away. */
  cancelOnDisconnect: boolean;
  /** The request as received, minus ids, for `Run.kwargs` (`temporary: true` for a stateless run). */
  kwargs: JsonObject;
  /** What to do when the thread already has an active run (docs/api.md §5). @default "enqueue" (langgraph-api's default) */
  multitaskStrategy: MultitaskStrategy;
  /** Delay before the run may start, in ms (`after_seconds` × 1000). @default 0 */
  delayMs: number;
  /**
   * When checkpoints are saved (`durability`, docs/semantics.md §1.16): `"sync"`, or `"async"` (batched in the
   * background, all saved before the run ends). The request's `"exit"` runs as `"async"` (Loom has no
   * final-checkpoint-only mode). @default "async" (the Python server's default)
   */
  durability: Durability;
}

/** Longest `webhook` URL accepted (the Python server's default `max_url_length`). */
const MAX_WEBHOOK_LENGTH = 4096;

/**
 * `webhook` (docs/api.md §5): absent, or an absolute `http://` / `https://` URL with a host, at most 4096 characters.
 * Relative URLs (which the Python server would send to its own routes) are refused too.
 * @throws InvalidInputError naming `webhook`
 */
export function validateWebhook(webhook: string): void {
  if (webhook === "") return;
  if (webhook.length > MAX_WEBHOOK_LENGTH) throw new InvalidInputError("Webhook URL too long", "webhook");
  let url: URL | undefined;
  try {
    url = new URL(webhook);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new InvalidInputError("webhook must be an absolute http or https URL", "webhook");
  }
}

/** Longest `after_seconds` accepted: 365 days. A run scheduled further out is a mistake, not a plan. */
export const MAX_AFTER_SECONDS = 365 * 24 * 3600;

const STRATEGIES: readonly MultitaskStrategy[] = ["reject", "enqueue", "interrupt", "rollback"];

/** Accepted `durability` values and what each runs as (`"exit"` is not implemented: it saves every step). */
const DURABILITIES: Readonly<Record<string, Durability>> = { sync: "sync", async: "async", exit: "async" };

/** The run's durability: absent → `"async"`; unknown → InvalidInputError naming `durability`. */
function durabilityOf(value: string | undefined): Durability {
  if (value === undefined) return "async";
  const durability = Object.hasOwn(DURABILITIES, value) ? DURABILITIES[value] : undefined;
  if (!durability) throw new InvalidInputError('durability must be "sync", "async" or "exit"', "durability");
  return durability;
}

const KNOWN_STREAM_MODES = new Set<string>([...STREAM_MODES, "messages", "messages-tuple", "events"]);

function breakpoints(list: string[], graph: HostedGraph, field: string): BreakpointList | undefined {
  if (list.length === 0) return undefined;
  if (list.includes("*")) return "*";
  const unknown = list.filter((n) => !graph.hasNode(n));
  if (unknown.length > 0) {
    throw new InvalidInputError(`${field} names unknown node(s): ${unknown.join(", ")}`, field);
  }
  return list;
}

/** `command.goto` → node names and Sends; every node must exist, refused before the run is created. */
function gotoFromJson(goto: JsonValue, graph: HostedGraph): string | Send | Array<string | Send> {
  const known = (node: string) => {
    if (node === END || graph.hasNode(node)) return node;
    throw new InvalidInputError(`command.goto names unknown node: ${node}`, "command.goto");
  };
  const one = (g: JsonValue): string | Send => {
    if (typeof g === "string") return known(g);
    if (g !== null && typeof g === "object" && !Array.isArray(g) && typeof g.node === "string") {
      return new Send(known(g.node), g.input ?? null);
    }
    throw new InvalidInputError(
      'command.goto must be a node name, {"node", "input"} or a list of them',
      "command.goto",
    );
  };
  return Array.isArray(goto) ? goto.map(one) : one(goto);
}

function commandFromProto(req: CreateRunRequest, graph: HostedGraph): Command | undefined {
  const c = req.command;
  if (!c) return undefined;
  const resume = jsonFromValue(c.resume);
  const update = jsonFromValue(c.update);
  const goto = jsonFromValue(c.goto);
  if (update !== undefined && update !== null && typeof update !== "object") {
    throw new InvalidInputError(
      "command.update must be an object or a list of [key, value] pairs",
      "command",
    );
  }
  return new Command({
    ...(resume !== undefined ? { resume } : {}),
    ...(update !== undefined && update !== null ? { update: update as JsonObject } : {}),
    ...(goto !== undefined && goto !== null ? { goto: gotoFromJson(goto, graph) } : {}),
  });
}

/** `config` Struct (`{tags?, recursion_limit?, configurable?}`) over the assistant's default config. */
export function runConfigFromJson(assistantConfig: JsonObject, requestConfig: JsonObject): RunConfig {
  const merged = { ...assistantConfig, ...requestConfig };
  const configurable = {
    ...(assistantConfig.configurable as JsonObject | undefined),
    ...(requestConfig.configurable as JsonObject | undefined),
  };
  const out: RunConfig = { configurable };
  if (Array.isArray(merged.tags)) out.tags = merged.tags.map(String);
  const limit = merged.recursion_limit;
  if (limit !== undefined && limit !== null) {
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
      throw new InvalidInputError("config.recursion_limit must be a positive integer", "config");
    }
    out.recursionLimit = limit;
  }
  return out;
}

function inputFromValue(v: Value | undefined): JsonValue | undefined {
  const input = jsonFromValue(v);
  if (input === null || input === undefined) return undefined;
  if (typeof input !== "object" || Array.isArray(input))
    throw new InvalidInputError("input must be an object", "input");
  return input;
}

/**
 * The run's context (docs/api.md §5 `context`): the assistant's, with the run's keys over it (shallow). */
export function runContextFromJson(assistantContext: JsonObject, requestContext: JsonObject): JsonObject {
  return { ...assistantContext, ...requestContext };
}

/**
 * Validates `req` against the assistant's graph; `assistant` gives the default config and context.
 * @throws InvalidInputError for a malformed thread id, an unknown breakpoint node, an unsupported multitask
 *   strategy, a bad `if_not_exists`/`on_completion`/`on_disconnect`/`durability`/`webhook`, a non-object input, a bad
 *   command.
 */
export function runParamsFromProto(
  req: CreateRunRequest,
  graph: HostedGraph,
  assistant: { config: JsonObject; context: JsonObject },
  stateless: boolean,
): RunParams {
  const threadId = stateless ? null : requireUuid(req.threadId, "thread_id");
  if (req.multitaskStrategy !== "" && !STRATEGIES.includes(req.multitaskStrategy as MultitaskStrategy)) {
    throw new InvalidInputError(
      `multitask_strategy must be one of ${STRATEGIES.join(", ")}`,
      "multitask_strategy",
    );
  }
  if (!Number.isFinite(req.afterSeconds) || req.afterSeconds < 0 || req.afterSeconds > MAX_AFTER_SECONDS) {
    throw new InvalidInputError(
      `after_seconds must be a number from 0 to ${MAX_AFTER_SECONDS} (365 days)`,
      "after_seconds",
    );
  }
  if (!["", "reject", "create"].includes(req.ifNotExists)) {
    throw new InvalidInputError('if_not_exists must be "reject" or "create"', "if_not_exists");
  }
  if (!["", "delete", "keep"].includes(req.onCompletion)) {
    throw new InvalidInputError('on_completion must be "delete" or "keep"', "on_completion");
  }
  if (!["", "cancel", "continue"].includes(req.onDisconnect)) {
    throw new InvalidInputError('on_disconnect must be "cancel" or "continue"', "on_disconnect");
  }
  validateWebhook(req.webhook);
  const durability = durabilityOf(req.durability);
  const unknownModes = req.streamMode.filter((m) => !KNOWN_STREAM_MODES.has(m));
  if (unknownModes.length > 0) {
    throw new InvalidInputError(`unknown stream_mode: ${unknownModes.join(", ")}`, "stream_mode");
  }
  const checkpointId = req.checkpointId || req.checkpoint?.checkpointId || undefined;
  if (checkpointId !== undefined) requireUuid(checkpointId, "checkpoint_id");
  const command = commandFromProto(req, graph);
  if (stateless && command?.resume !== undefined) {
    throw new InvalidInputError("You must provide a thread_id when resuming.", "command");
  }
  const kwargs = toJson(CreateRunRequestSchema, req, { useProtoFieldName: true }) as JsonObject;
  delete kwargs.thread_id;
  delete kwargs.assistant_id;
  if (stateless) kwargs.temporary = true;
  return {
    threadId,
    input: inputFromValue(req.input),
    command,
    checkpointId,
    interruptBefore: breakpoints(req.interruptBefore, graph, "interrupt_before"),
    interruptAfter: breakpoints(req.interruptAfter, graph, "interrupt_after"),
    config: {
      ...runConfigFromJson(assistant.config, objectFromStruct(req.config)),
      context: runContextFromJson(assistant.context, objectFromStruct(req.context)),
    },
    metadata: objectFromStruct(req.metadata),
    streamModes: (req.streamMode.length > 0 ? req.streamMode : ["values"]).filter((m): m is StreamMode =>
      STREAM_MODES.includes(m as StreamMode),
    ),
    subgraphs: req.streamSubgraphs,
    createThread: req.ifNotExists === "create",
    keepThread: req.onCompletion === "keep",
    cancelOnDisconnect: req.onDisconnect === "cancel",
    kwargs,
    multitaskStrategy: (req.multitaskStrategy || "enqueue") as MultitaskStrategy,
    delayMs: Math.round(req.afterSeconds * 1000),
    durability,
  };
}
