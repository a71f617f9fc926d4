/**
 * Cron expressions and their ticks (docs/crons.md "Schedules"), read by `croner`: 5 fields (minute hour day month
 * weekday), or 6 with seconds first (`"* * * * * *"`: every second), or a nickname (`@hourly`, `@daily`, ...);
 * day-of-month and day-of-week combine with OR as in classic cron. Ticks are computed in the cron's IANA timezone
 * (UTC without one), so `0 9 * * *` in `Europe/Paris` follows its daylight-saving changes.
 */
import { Cron } from "croner";

/** A schedule or timezone a cron cannot use; `field` names the request field (`schedule`, `timezone`). */
export class InvalidScheduleError extends Error {
  override readonly name = "InvalidScheduleError";
  constructor(
    message: string,
    readonly field: "schedule" | "timezone" | "end_time",
  ) {
    super(message);
  }
}

/**
 * Checks an IANA timezone name. `null`: UTC.
 * @throws InvalidScheduleError `Invalid timezone: '<tz>'. ...` (the Python server's message)
 */
export function checkTimezone(timezone: string | null): void {
  if (timezone === null) return;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new InvalidScheduleError(
      `Invalid timezone: '${timezone}'. Use IANA timezone format (e.g. 'America/New_York').`,
      "timezone",
    );
  }
}

function parse(schedule: string, timezone: string | null): Cron {
  checkTimezone(timezone);
  try {
    return new Cron(schedule, {
      paused: true,
      mode: "5-or-6-parts",
      ...(timezone !== null ? { timezone } : { timezone: "UTC" }),
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new InvalidScheduleError(`Invalid schedule '${schedule}' (${why})`, "schedule");
  }
}

/**
 * Checks `schedule` in `timezone` and that it has a tick at all (`0 0 30 2 *` never comes).
 * @throws InvalidScheduleError naming `schedule` or `timezone`
 */
export function checkSchedule(schedule: string, timezone: string | null): void {
  const cron = parse(schedule, timezone);
  if (cron.nextRun(new Date()) === null) {
    throw new InvalidScheduleError(`Invalid schedule '${schedule}' (it never fires)`, "schedule");
  }
}

/**
 * The first tick of `schedule` strictly after `after`, or `null` when there is none, or when it would come after
 * `endTime`.
 * @throws InvalidScheduleError for a schedule or timezone `checkSchedule` refuses
 */
export function nextTick(
  schedule: string,
  timezone: string | null,
  after: Date,
  endTime: Date | null = null,
): Date | null {
  const next = parse(schedule, timezone).nextRun(after);
  if (next === null || (endTime !== null && next.getTime() > endTime.getTime())) return null;
  return next;
}
