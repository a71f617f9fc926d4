/**
 * The CronsService handlers that write crons (docs/crons.md): `create` (stateless or on a thread) and `update`.
 * Every request is checked before anything is written: ids, the schedule and timezone
 * (`src/runtime/cron-schedule.ts`), the end time and the run each tick would create (`check-run.ts`).
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { v4 as uuidv4 } from "uuid";
import type { CronsService, UpdateCronRequest } from "../../../gen/ts/loom/v1/crons_pb.js";
import type { JsonObject } from "../../engine/index.js";
import { checkSchedule, checkTimezone, nextTick } from "../../runtime/cron-schedule.js";
import type { CronChanges } from "../../store/cron-store.js";
import { resolveAssistant } from "../assistants/resolve.js";
import { requestAuth } from "../auth/context.js";
import { jsonFromValue } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { requireUuid } from "../validate.js";
import { checkCronRun } from "./check-run.js";
import type { CronsServiceDeps } from "./deps.js";
import { cronToProto, parseEndTime, parseOnRunCompleted } from "./fields.js";
import { payloadChanges, payloadOfCreate } from "./payload.js";

type Handlers = ServiceImpl<typeof CronsService>;

/**
 * The changes of the cron's own fields an update asks for (schedule, timezone, `end_time` as a date-time or
 * `null`, enabled, `on_run_completed`); the run's payload and metadata are merged by the caller.
 * @throws InvalidInputError naming the field
 */
function fieldChanges(req: UpdateCronRequest): CronChanges {
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
  return changes;
}

/**
 * `create` and `update`. A create defaults `enabled` to true and a stateless cron's `on_run_completed` to
 * `delete`; its first tick is the schedule's next after now, before `end_time`. An update merges `metadata` into
 * the cron's (and its run's), refuses an empty body, and restarts the schedule from now when the schedule,
 * timezone or end changes or the cron is re-enabled; a cron on a thread keeps no `on_run_completed`.
 * @throws InvalidInputError, ThreadNotFoundError, AssistantNotFoundError, CronNotFoundError
 */
export function cronWriteHandlers(deps: CronsServiceDeps): Pick<Handlers, "create" | "update"> {
  const { crons, threads, assistants, registry } = deps;
  return {
    async create(req, ctx) {
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
      await checkCronRun(deps, {
        assistantId: assistant.assistantId,
        threadId,
        onRunCompleted,
        payload,
        metadata,
      });
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

    async update(req) {
      requireUuid(req.cronId, "cron_id");
      const changes = fieldChanges(req);
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
      await checkCronRun(deps, {
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
  };
}
