/** The cron fields the service converts or parses: the proto `Cron`, `end_time`, `on_run_completed`. */
import { create, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Cron, CronSchema } from "../../../gen/ts/loom/v1/crons_pb.js";
import type { CronOnRunCompleted, CronRecord } from "../../store/cron-store.js";
import { InvalidInputError } from "../errors.js";

/** A cron record as the proto `Cron` (absent optional fields for `null` ones). */
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

/**
 * `on_run_completed` of a stateless cron: `delete` (the tick's thread is deleted after its run) or `keep`.
 * @throws InvalidInputError naming `on_run_completed`
 */
export function parseOnRunCompleted(value: string): CronOnRunCompleted {
  if (value === "delete" || value === "keep") return value;
  throw new InvalidInputError('on_run_completed must be "delete" or "keep"', "on_run_completed");
}
