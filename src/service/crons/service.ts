/**
 * CronsService (docs/crons.md, docs/api.md §3 "Crons"): create (stateless or on a thread), get, update, delete,
 * search and count of scheduled runs. Every request is checked before anything is written: ids, the schedule and
 * timezone (`src/runtime/cron-schedule.ts`), the end time, and the run each tick would create, validated by the
 * runs service's own rules (`runParamsFromProto`) against the assistant's graph.
 */

import { create, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { validate as isUuid, v4 as uuidv4 } from "uuid";
import {
  CountCronsResponseSchema,
  type Cron,
  CronSchema,
  type CronsService,
  SearchCronsResponseSchema,
} from "../../../gen/ts/loom/v1/crons_pb.js";
import type { JsonObject } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import { checkSchedule, checkTimezone, nextTick } from "../../runtime/cron-schedule.js";
import type {
  CronChanges,
  CronFilter,
  CronOnRunCompleted,
  CronRecord,
  CronSortBy,
  CronStore,
} from "../../store/cron-store.js";
import type { AssistantStore, ThreadStore } from "../../store/records.js";
import { resolveAssistant, systemAssistantId } from "../assistants/resolve.js";
import { requestAuth, scopeOf } from "../auth/context.js";
import { jsonFromValue } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { runParamsFromProto } from "../runs/params.js";
import { applySelect } from "../select.js";
import { parseLimit, parseOffset, parseSortOrder, requireUuid, setPaginationHeaders } from "../validate.js";
import { type CronRun, payloadChanges, payloadOfCreate, runRequestOf } from "./payload.js";

/** What the crons service needs. */
export interface CronsServiceDeps {
  crons: CronStore;
  threads: ThreadStore;
  assistants: AssistantStore;
  registry: GraphRegistry;
}

const SORT_BY: readonly CronSortBy[] = [
  "cron_id",
  "assistant_id",
  "thread_id",
  "next_run_date",
  "end_time",
  "created_at",
  "updated_at",
];

/** A cron record as the proto `Cron`. */
export function cronToProto(c: CronRecord): Cron {
  return create(CronSchema, {
    cronId: c.cronId,
    assistantId: c.assistantId,
    ...(c.threadId !== null ? { threadId: c.threadId } : {}),
    ...(c.onRunCompleted !== null ? { onRunCompleted: c.onRunCompleted } : {}),
    ...(c.endTime !== null ? { endTime: timestampFromDate(c.endTime) } : {}),
    schedule: c.schedule,
    ...(c.timezone !== null ? { timezone: c.timezone } : {}),
    createdAt: timestampFromDate(c.createdAt),
    updatedAt: timestampFromDate(c.updatedAt),
    ...(c.userId !== null ? { userId: c.userId } : {}),
    payload: c.payload as PbJsonObject,
    ...(c.nextRunDate !== null ? { nextRunDate: timestampFromDate(c.nextRunDate) } : {}),
    metadata: c.metadata as PbJsonObject,
    enabled: c.enabled,
  });
}

/**
 * An RFC 3339 date-time (`end_time`); one without an offset is read as UTC, as the Python server does.
 * @throws InvalidInputError naming `end_time`
 */
export function parseEndTime(text: string): Date {
  const trimmed = text.trim();
  const hasOffset = /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(trimmed);
  const date = new Date(hasOffset || !trimmed.includes("T") ? trimmed : `${trimmed}Z`);
  if (trimmed === "" || Number.isNaN(date.getTime())) {
    throw new InvalidInputError(`end_time must be an RFC 3339 date-time, got "${text}"`, "end_time");
  }
  return date;
}

function parseOnRunCompleted(value: string): CronOnRunCompleted {
  if (value === "delete" || value === "keep") return value;
  throw new InvalidInputError('on_run_completed must be "delete" or "keep"', "on_run_completed");
}

/** Creates the CronsService implementation. Errors are domain errors, mapped by `withErrorMapping`. */
export function createCronsService(deps: CronsServiceDeps): ServiceImpl<typeof CronsService> {
  const { crons, threads, assistants, registry } = deps;

  /** Validates the run each tick would create (as the runs service would); writes nothing. */
  async function checkRun(cron: CronRun): Promise<void> {
    const assistant = await resolveAssistant(assistants, registry, cron.assistantId);
    runParamsFromProto(
      runRequestOf(cron),
      registry.get(assistant.graphId),
      assistant,
      cron.threadId === null,
    );
  }

  /** An `assistant_id` filter: a graph id means its system assistant; otherwise a UUID. */
  function assistantFilter(id: string | undefined): string | undefined {
    if (id === undefined || id === "") return undefined;
    if (registry.has(id)) return systemAssistantId(id);
    if (!isUuid(id))
      throw new InvalidInputError(`Invalid assistant_id: must be a UUID, got "${id}"`, "assistant_id");
    return id;
  }

  function filterOf(req: { assistantId?: string; threadId?: string; metadata?: PbJsonObject }): CronFilter {
    const assistantId = assistantFilter(req.assistantId);
    const threadId = req.threadId ? requireUuid(req.threadId, "thread_id") : undefined;
    if (req.metadata !== undefined && (req.metadata === null || typeof req.metadata !== "object")) {
      throw new InvalidInputError("metadata must be an object", "metadata");
    }
    return {
      ...(assistantId !== undefined ? { assistantId } : {}),
      ...(threadId !== undefined ? { threadId } : {}),
      ...(req.metadata !== undefined ? { metadata: req.metadata as JsonObject } : {}),
    };
  }

  return {
    async create(req, ctx: HandlerContext) {
      const stateless = req.threadId === "";
      const threadId = stateless ? null : requireUuid(req.threadId, "thread_id");
      if (!req.assistantId) throw new InvalidInputError("assistant_id is required", "assistant_id");
      if (!req.schedule) throw new InvalidInputError("schedule is required", "schedule");
      const timezone = req.timezone ?? null;
      checkTimezone(timezone);
      checkSchedule(req.schedule, timezone);
      const endTime = req.endTime !== undefined ? parseEndTime(req.endTime) : null;
      const onRunCompleted = stateless ? parseOnRunCompleted(req.onRunCompleted ?? "delete") : null;
      const assistant = await resolveAssistant(assistants, registry, req.assistantId);
      const metadata = (req.metadata ?? {}) as JsonObject;
      const payload = payloadOfCreate(req, assistant.assistantId);
      await checkRun({ assistantId: assistant.assistantId, threadId, onRunCompleted, payload, metadata });
      if (threadId !== null) await threads.get(threadId);
      const now = new Date();
      const cron = await crons.create({
        cronId: uuidv4(),
        assistantId: assistant.assistantId,
        threadId,
        onRunCompleted,
        endTime,
        schedule: req.schedule,
        timezone,
        createdAt: now,
        updatedAt: now,
        userId: requestAuth(ctx)?.auth.user.identity ?? null,
        payload,
        nextRunDate: nextTick(req.schedule, timezone, now, endTime),
        metadata,
        enabled: req.enabled ?? true,
      });
      return cronToProto(cron);
    },

    async get(req) {
      requireUuid(req.cronId, "cron_id");
      return cronToProto(await crons.get(req.cronId));
    },

    async update(req) {
      requireUuid(req.cronId, "cron_id");
      const changes: CronChanges = {};
      if (req.schedule !== undefined) changes.schedule = req.schedule;
      if (req.timezone !== undefined) changes.timezone = req.timezone;
      if (req.endTime !== undefined) {
        const json = jsonFromValue(req.endTime);
        if (json === null) changes.endTime = null;
        else if (typeof json === "string") changes.endTime = parseEndTime(json);
        else throw new InvalidInputError("end_time must be an RFC 3339 date-time or null", "end_time");
      }
      if (req.enabled !== undefined) changes.enabled = req.enabled;
      if (req.onRunCompleted !== undefined) changes.onRunCompleted = parseOnRunCompleted(req.onRunCompleted);
      const runChanges = payloadChanges(req);
      const given = Object.keys(changes).length + Object.keys(runChanges).length + (req.metadata ? 1 : 0);
      if (given === 0) throw new InvalidInputError("Request body cannot be empty", "");
      const timezone = changes.timezone !== undefined ? changes.timezone : undefined;
      if (timezone !== undefined) checkTimezone(timezone);
      const existing = await crons.get(req.cronId);
      const schedule = changes.schedule ?? existing.schedule;
      const zone = changes.timezone !== undefined ? changes.timezone : existing.timezone;
      checkSchedule(schedule, zone);
      const metadata = req.metadata ? { ...existing.metadata, ...(req.metadata as JsonObject) } : undefined;
      if (metadata) changes.metadata = metadata;
      if (metadata || Object.keys(runChanges).length > 0) {
        changes.payload = { ...existing.payload, ...runChanges, ...(metadata ? { metadata } : {}) };
      }
      await checkRun({
        assistantId: existing.assistantId,
        threadId: existing.threadId,
        onRunCompleted:
          existing.threadId === null ? (changes.onRunCompleted ?? existing.onRunCompleted) : null,
        payload: changes.payload ?? existing.payload,
        metadata: changes.metadata ?? existing.metadata,
      });
      if (existing.threadId !== null) delete changes.onRunCompleted;
      const now = new Date();
      // A new schedule, timezone or end, or a re-enabled cron, starts from now: ticks missed while disabled
      // do not fire.
      const reschedule =
        changes.schedule !== undefined ||
        changes.timezone !== undefined ||
        changes.endTime !== undefined ||
        changes.enabled === true;
      if (reschedule) {
        const endTime = changes.endTime !== undefined ? changes.endTime : existing.endTime;
        changes.nextRunDate = nextTick(schedule, zone, now, endTime);
      }
      return cronToProto(await crons.update(req.cronId, changes, now));
    },

    async delete(req) {
      requireUuid(req.cronId, "cron_id");
      await crons.delete(req.cronId);
      return {};
    },

    async search(req, ctx) {
      const filter: CronFilter = { ...filterOf(req), ...scopeOf(ctx) };
      if (req.enabled !== undefined) filter.enabled = req.enabled;
      const limit = parseLimit(req.limit);
      const offset = parseOffset(req.offset);
      const sortBy = (req.sortBy || "created_at") as CronSortBy;
      if (!SORT_BY.includes(sortBy)) {
        throw new InvalidInputError(`sort_by must be one of ${SORT_BY.join(", ")}`, "sort_by");
      }
      const sortOrder = parseSortOrder(req.sortOrder);
      applySelect(CronSchema, [], req.select);
      const [found, total] = await Promise.all([
        crons.search(filter, { limit, offset, sortBy, sortOrder }),
        crons.count(filter),
      ]);
      setPaginationHeaders(ctx.responseHeader, total, offset, found.length);
      const listed = found.map(cronToProto);
      applySelect(CronSchema, listed, req.select);
      return create(SearchCronsResponseSchema, { crons: listed });
    },

    async count(req, ctx) {
      return create(CountCronsResponseSchema, {
        count: await crons.count({ ...filterOf(req), ...scopeOf(ctx) }),
      });
    },
  };
}
