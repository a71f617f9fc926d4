/**
 * The cron scheduler's claim (docs/crons.md "Scheduling") over a cron store, with a clock the test moves: two
 * schedulers polling the same crons at the same moments fire each tick exactly once between them, ticks missed
 * while nobody polled fire once, a disabled cron fires nothing and the end time stops the ticks. Run on MongoDB
 * (`cron-scheduler.test.ts`) and on the memory store (`cron-scheduler-memory.test.ts`, unit tier).
 */
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextTick } from "../../src/runtime/cron-schedule.js";
import { type CronScheduler, createCronScheduler } from "../../src/runtime/cron-scheduler.js";
import type { CronRecord, CronStore } from "../../src/store/cron-store.js";

/** A cron store for the suite, and how to dispose of it. */
export interface CronStoreFixture {
  crons: CronStore;
  close(): Promise<void>;
}

/** Registers the scheduler tests over the cron store `open` gives (once for the file). */
export function cronSchedulerSuite(name: string, open: () => Promise<CronStoreFixture>): void {
  let fixture: CronStoreFixture | undefined;
  let store: CronStore;
  let clock = new Date("2030-01-01T00:00:00.000Z");
  const fired: Array<{ scheduler: string; cronId: string; at: number }> = [];
  let schedulers: CronScheduler[] = [];

  beforeAll(async () => {
    fixture = await open();
    store = fixture.crons;
    schedulers = ["a", "b"].map((name) =>
      createCronScheduler({
        crons: store,
        pollMs: 60_000,
        now: () => clock,
        fire: async (cron) => {
          fired.push({ scheduler: name, cronId: cron.cronId, at: clock.getTime() });
        },
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(schedulers.map((s) => s.close()));
    await fixture?.close();
  });

  async function newCron(overrides: Partial<CronRecord> = {}): Promise<CronRecord> {
    const schedule = overrides.schedule ?? "* * * * * *";
    const endTime = overrides.endTime ?? null;
    return store.create({
      cronId: uuidv4(),
      assistantId: uuidv4(),
      threadId: null,
      onRunCompleted: "delete",
      endTime,
      schedule,
      timezone: null,
      createdAt: clock,
      updatedAt: clock,
      userId: null,
      payload: {},
      nextRunDate: nextTick(schedule, null, clock, endTime),
      metadata: {},
      enabled: true,
      ...overrides,
    });
  }

  /** Both schedulers poll at once; the number of ticks each fired. */
  async function pollBoth(): Promise<number[]> {
    return Promise.all(schedulers.map((s) => s.poll()));
  }

  const firesOf = (cronId: string) => fired.filter((f) => f.cronId === cronId);

  describe(`cron scheduler: ${name}`, () => {
    it("two schedulers polling together fire each tick once", async () => {
      const cron = await newCron();
      for (let second = 1; second <= 8; second++) {
        clock = new Date(clock.getTime() + 1000);
        const counts = await pollBoth();
        expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
        expect(firesOf(cron.cronId)).toHaveLength(second);
        // A second poll at the same moment finds nothing due.
        expect(await pollBoth()).toEqual([0, 0]);
      }
      // Every tick fired at its own moment.
      expect(new Set(firesOf(cron.cronId).map((f) => f.at)).size).toBe(8);
      await store.delete(cron.cronId);
    });

    it("ticks missed while nobody polled fire once, and the next tick is after now", async () => {
      const cron = await newCron();
      clock = new Date(clock.getTime() + 60_000);
      expect((await pollBoth()).reduce((a, b) => a + b, 0)).toBe(1);
      expect(firesOf(cron.cronId)).toHaveLength(1);
      const after = await store.get(cron.cronId);
      expect(after.nextRunDate?.getTime()).toBe(clock.getTime() + 1000);
      expect(await pollBoth()).toEqual([0, 0]);
      await store.delete(cron.cronId);
    });

    it("a disabled cron is skipped; past its end time a cron has no more ticks", async () => {
      const disabled = await newCron({ enabled: false });
      const ending = await newCron({ endTime: new Date(clock.getTime() + 2500) });
      for (let second = 1; second <= 5; second++) {
        clock = new Date(clock.getTime() + 1000);
        await pollBoth();
      }
      expect(firesOf(disabled.cronId)).toHaveLength(0);
      // Ticks at +1 s and +2 s; +3 s is past the end.
      expect(firesOf(ending.cronId)).toHaveLength(2);
      expect((await store.get(ending.cronId)).nextRunDate).toBeNull();
    });
  });
}
