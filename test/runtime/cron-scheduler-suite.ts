/**
 * The cron scheduler's claim (docs/crons.md "Scheduling") over a cron store, with a clock the test moves: two
 * schedulers polling the same crons at the same moments fire each tick exactly once between them, ticks missed
 * while nobody polled fire once, a disabled cron fires nothing and the end time stops the ticks; a tick whose run
 * creation failed transiently, or whose claimer died, is fired again under the same run id once its claim is stale,
 * and a refused tick is not retried. Run on MongoDB
 * (`cron-scheduler.test.ts`) and on the memory store (`cron-scheduler-memory.test.ts`, unit tier).
 */
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextTick } from "../../src/runtime/cron-schedule.js";
import { type CronScheduler, createCronScheduler, tickRunId } from "../../src/runtime/cron-scheduler.js";
import type { CronRecord, CronStore } from "../../src/store/cron-store.js";

/** The failure a test's `isTransient` recognises (a stand-in for the driver's network errors). */
class OutageError extends Error {}

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
  const fired: Array<{ scheduler: string; cronId: string; at: number; runId: string }> = [];
  let schedulers: CronScheduler[] = [];
  /** How the next run creation of a cron fails, once: an outage (transient) or a refusal. */
  const failNext = new Map<string, "outage" | "refusal">();
  const reported: string[] = [];
  const CLAIM_TIMEOUT_MS = 30_000;

  beforeAll(async () => {
    fixture = await open();
    store = fixture.crons;
    schedulers = ["a", "b"].map((name) =>
      createCronScheduler({
        crons: store,
        pollMs: 60_000,
        claimTimeoutMs: CLAIM_TIMEOUT_MS,
        now: () => clock,
        isTransient: (error) => error instanceof OutageError,
        onError: (_error, cronId) => {
          if (cronId) reported.push(cronId);
        },
        fire: async (cron, runId) => {
          const failure = failNext.get(cron.cronId);
          failNext.delete(cron.cronId);
          if (failure === "outage") throw new OutageError();
          if (failure === "refusal") throw new Error("assistant not found");
          fired.push({ scheduler: name, cronId: cron.cronId, at: clock.getTime(), runId });
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
  const later = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

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
    it("a tick whose run creation failed transiently fires again, under the same run id, once its claim is stale", async () => {
      const cron = await newCron({ schedule: "0 * * * *" });
      const tick = cron.nextRunDate as Date;
      clock = new Date(tick.getTime());
      failNext.set(cron.cronId, "outage");
      await pollBoth();
      expect(firesOf(cron.cronId)).toHaveLength(0);
      expect(reported).toContain(cron.cronId);
      expect((await store.get(cron.cronId)).claim?.tick).toEqual(tick);
      // Still fresh: nobody takes it over.
      later(CLAIM_TIMEOUT_MS - 1000);
      expect(await pollBoth()).toEqual([0, 0]);
      later(1000);
      expect((await pollBoth()).reduce((a, b) => a + b, 0)).toBe(1);
      expect(firesOf(cron.cronId).map((f) => f.runId)).toEqual([tickRunId(cron.cronId, tick)]);
      expect((await store.get(cron.cronId)).claim).toBeUndefined();
      expect(await pollBoth()).toEqual([0, 0]);
      await store.delete(cron.cronId);
    });

    it("a claim whose scheduler died is taken over once stale; the ticks missed meanwhile fire once", async () => {
      const cron = await newCron();
      const tick = cron.nextRunDate as Date;
      clock = new Date(tick.getTime());
      // A third replica claims the tick and dies before it creates the run.
      const next = new Date(tick.getTime() + 1000);
      expect(await store.claimTick(cron.cronId, tick, next, clock)).not.toBeNull();
      later(5000);
      // The next ticks wait behind the claim.
      expect(await pollBoth()).toEqual([0, 0]);
      later(CLAIM_TIMEOUT_MS);
      // The dead claim is taken over; after it, the ticks missed meanwhile fire once.
      const first = await pollBoth();
      const second = await pollBoth();
      expect([...first, ...second].reduce((a, b) => a + b, 0)).toBe(2);
      expect(await pollBoth()).toEqual([0, 0]);
      const runIds = firesOf(cron.cronId).map((f) => f.runId);
      expect(runIds).toEqual([tickRunId(cron.cronId, tick), tickRunId(cron.cronId, next)]);
      expect((await store.get(cron.cronId)).nextRunDate?.getTime()).toBe(clock.getTime() + 1000);
      await store.delete(cron.cronId);
    });

    it("a refused tick is reported and not retried; the next tick fires", async () => {
      const cron = await newCron({ schedule: "0 * * * *" });
      clock = new Date((cron.nextRunDate as Date).getTime());
      failNext.set(cron.cronId, "refusal");
      await pollBoth();
      expect(reported).toContain(cron.cronId);
      expect((await store.get(cron.cronId)).claim).toBeUndefined();
      later(CLAIM_TIMEOUT_MS * 2);
      expect(await pollBoth()).toEqual([0, 0]);
      expect(firesOf(cron.cronId)).toHaveLength(0);
      later(3_600_000);
      expect((await pollBoth()).reduce((a, b) => a + b, 0)).toBe(1);
      expect(firesOf(cron.cronId)).toHaveLength(1);
      await store.delete(cron.cronId);
    });
  });
}
