/**
 * Cron expressions and their ticks (docs/crons.md "Schedules"): five fields or six with seconds first, nicknames,
 * IANA timezones across a daylight-saving change, the end time, and the refusals with the Python server's timezone
 * message.
 */
import { describe, expect, it } from "vitest";
import {
  checkSchedule,
  checkTimezone,
  InvalidScheduleError,
  nextTick,
} from "../../src/runtime/cron-schedule.js";

const at = (iso: string) => new Date(iso);

describe("cron schedules", () => {
  it("five fields tick on the minute, six fields on the second (seconds first)", () => {
    expect(nextTick("*/15 * * * *", null, at("2030-01-01T00:07:30Z"))).toEqual(at("2030-01-01T00:15:00Z"));
    expect(nextTick("* * * * * *", null, at("2030-01-01T00:00:02.400Z"))).toEqual(at("2030-01-01T00:00:03Z"));
    // Strictly after: a tick exactly at `after` is not returned.
    expect(nextTick("* * * * * *", null, at("2030-01-01T00:00:03Z"))).toEqual(at("2030-01-01T00:00:04Z"));
    expect(nextTick("@hourly", null, at("2030-01-01T10:20:00Z"))).toEqual(at("2030-01-01T11:00:00Z"));
  });

  it("day of month and day of week combine with OR, as classic cron", () => {
    // The 13th, or any Friday: Friday 2030-01-04 comes before the 13th.
    expect(nextTick("0 0 13 * 5", null, at("2030-01-01T00:00:00Z"))).toEqual(at("2030-01-04T00:00:00Z"));
  });

  it("reads the schedule in its timezone, following daylight saving", () => {
    // 09:00 in New York is 14:00 UTC in winter, 13:00 UTC in summer.
    expect(nextTick("0 9 * * *", "America/New_York", at("2030-01-10T00:00:00Z"))).toEqual(
      at("2030-01-10T14:00:00Z"),
    );
    expect(nextTick("0 9 * * *", "America/New_York", at("2030-07-10T00:00:00Z"))).toEqual(
      at("2030-07-10T13:00:00Z"),
    );
  });

  it("has no tick past the end time", () => {
    const end = at("2030-01-01T00:00:10Z");
    expect(nextTick("* * * * * *", null, at("2030-01-01T00:00:09Z"), end)).toEqual(end);
    expect(nextTick("* * * * * *", null, at("2030-01-01T00:00:10Z"), end)).toBeNull();
  });

  it("refuses bad expressions, schedules that never fire and unknown timezones", () => {
    for (const bad of ["", "not a cron", "61 * * * *", "* * * * * * * *", "0 0 30 2 *"]) {
      expect(() => checkSchedule(bad, null), bad).toThrow(InvalidScheduleError);
    }
    expect(() => checkTimezone("Mars/Olympus")).toThrow(
      "Invalid timezone: 'Mars/Olympus'. Use IANA timezone format (e.g. 'America/New_York').",
    );
    expect(() => checkSchedule("* * * * *", "Mars/Olympus")).toThrow(/Invalid timezone/);
    expect(() => checkTimezone("Europe/Paris")).not.toThrow();
    expect(() => checkTimezone(null)).not.toThrow();
  });
});
