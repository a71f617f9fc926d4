/**
 * The run a cron creates at each tick (docs/crons.md "Payload"): the RunCreate fields of the cron request, kept as
 * JSON with proto field names in `payload`, and turned back into the runs service's `CreateRunRequest` when a tick
 * fires, so a tick's run is validated and created exactly as a `POST /runs` or `POST /threads/{id}/runs` is.
 */
import { fromJson, type JsonObject as PbJsonObject, toJson } from "@bufbuild/protobuf";
import {
  type CreateCronRequest,
  CreateCronRequestSchema,
  type UpdateCronRequest,
  UpdateCronRequestSchema,
} from "../../../gen/ts/loom/v1/crons_pb.js";
import { type CreateRunRequest, CreateRunRequestSchema } from "../../../gen/ts/loom/v1/runs_pb.js";
import type { JsonObject } from "../../engine/index.js";
import type { CronOnRunCompleted } from "../../store/cron-store.js";

/** The request fields that describe the run (the rest describe the schedule). */
const RUN_FIELDS = [
  "input",
  "metadata",
  "config",
  "context",
  "webhook",
  "interrupt_before",
  "interrupt_after",
  "multitask_strategy",
  "stream_mode",
  "stream_subgraphs",
  "stream_resumable",
  "durability",
] as const;

function pickRunFields(json: PbJsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of RUN_FIELDS) if (json[key] !== undefined) out[key] = json[key] as JsonObject[string];
  return out;
}

/** The run fields given in a create request, with the resolved `assistant_id` (UUID). */
export function payloadOfCreate(req: CreateCronRequest, assistantId: string): JsonObject {
  const json = toJson(CreateCronRequestSchema, req, { useProtoFieldName: true }) as PbJsonObject;
  return { assistant_id: assistantId, ...pickRunFields(json) };
}

/** The run fields an update gives (absent ones are not in the result; `metadata` is merged by the caller). */
export function payloadChanges(req: UpdateCronRequest): JsonObject {
  const json = toJson(UpdateCronRequestSchema, req, { useProtoFieldName: true }) as PbJsonObject;
  const changes = pickRunFields(json);
  delete changes.metadata;
  return changes;
}

/** What a tick's run is made of. */
export interface CronRun {
  assistantId: string;
  threadId: string | null;
  onRunCompleted: CronOnRunCompleted | null;
  payload: JsonObject;
  metadata: JsonObject;
}

/**
 * The `CreateRunRequest` of one tick: the payload, the cron's metadata under the payload's, a new thread deleted
 * after the run (or kept, `on_run_completed: "keep"`) for a stateless cron, and the payload's multitask strategy
 * (default "enqueue") on a thread cron.
 */
export function runRequestOf(cron: CronRun): CreateRunRequest {
  const { payload } = cron;
  const metadata = { ...cron.metadata, ...((payload.metadata as JsonObject | undefined) ?? {}) };
  const json: JsonObject = {
    ...payload,
    assistant_id: cron.assistantId,
    thread_id: cron.threadId ?? "",
    metadata,
  };
  if (cron.threadId === null) json.on_completion = cron.onRunCompleted ?? "delete";
  else json.multitask_strategy = (payload.multitask_strategy as string | undefined) ?? "enqueue";
  return fromJson(CreateRunRequestSchema, json, { ignoreUnknownFields: true });
}
