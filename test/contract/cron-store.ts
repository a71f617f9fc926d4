/**
 * Contract suite of `CronStore` (src/store/cron-store.ts; docs/crons.md), memory and MongoDB alike (`stores.ts`):
 * round trip, not-found errors, updates, filters, sorts with nulls, paging, due listing and tick claims.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CronRecord, CronStore } from "../../src/store/cron-store.js";
import { CronNotFoundError } from "../../src/store/errors.js";
import type { MakeStores, StoresFixture } from "./stores.js";

const T0 = Date.UTC(2030, 0, 1);

/** A cron with every field set; `at(n)` times are n minutes after 2030-01-01. */
function cron(cronId: string, fields: Partial<CronRecord> = {}): CronRecord {
  return {
    cronId,
    assistantId: "asst",
    threadId: null,
    onRunCompleted: "delete",
    endTime: null,
    schedule: "*/5 * * * *",
    timezone: null,
    createdAt: at(0),
    updatedAt: at(0),
    userId: null,
    payload: { input: { x: 1 }, "$weird.key": [] },
    nextRunDate: at(5),
    metadata: {},
    enabled: true,
    ...fields,
  };
}

function at(minutes: number): Date {
  return new Date(T0 + minutes * 60_000);
}

/** Registers the CronStore contract for one store. */
export function cronStoreContract(name: string, makeStores: MakeStores): void {
  describe(`CronStore contract: ${name}`, () => {
    let fixture: StoresFixture;
    let crons: CronStore;
    beforeEach(async () => {
      fixture = await makeStores();
      crons = fixture.stores.crons;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    const ids = (list: CronRecord[]) => list.map((c) => c.cronId);
    const all = { limit: 100, offset: 0, sortBy: "cron_id" as const, sortOrder: "asc" as const };

    it("create then get round-trips every field; missing crons raise CronNotFoundError", async () => {
      const c = cron("c1", {
        threadId: "t1",
        onRunCompleted: null,
        endTime: at(100),
        timezone: "Europe/Paris",
        userId: "u",
        metadata: { a: { b: 1 } },
      });
      expect(await crons.create(c)).toEqual(c);
      expect(await crons.get("c1")).toEqual(c);
      await expect(crons.get("nope")).rejects.toBeInstanceOf(CronNotFoundError);
      await expect(crons.update("nope", { enabled: false }, at(1))).rejects.toBeInstanceOf(CronNotFoundError);
      await expect(crons.delete("nope")).rejects.toBeInstanceOf(CronNotFoundError);
    });

    it("update applies the given changes and updatedAt, leaves the rest; endTime null clears it", async () => {
      await crons.create(cron("c1", { endTime: at(50), metadata: { keep: 1 } }));
      const updated = await crons.update(
        "c1",
        { schedule: "0 * * * *", endTime: null, enabled: false, payload: { input: {} }, nextRunDate: null },
        at(3),
      );
      expect(updated).toEqual(
        cron("c1", {
          schedule: "0 * * * *",
          endTime: null,
          enabled: false,
          payload: { input: {} },
          nextRunDate: null,
          metadata: { keep: 1 },
          updatedAt: at(3),
        }),
      );
      const again = await crons.update(
        "c1",
        { timezone: "UTC", metadata: { other: 2 }, onRunCompleted: "keep" },
        at(4),
      );
      expect(again).toMatchObject({
        timezone: "UTC",
        metadata: { other: 2 },
        onRunCompleted: "keep",
        schedule: "0 * * * *",
      });
      expect(await crons.get("c1")).toEqual(again);
      await crons.delete("c1");
      await expect(crons.get("c1")).rejects.toBeInstanceOf(CronNotFoundError);
    });

    it("search and count filter by assistant, thread, enabled, metadata containment and scope", async () => {
      await crons.create(
        cron("a", { assistantId: "x", threadId: "t1", metadata: { team: "red", tags: ["p"] } }),
      );
      await crons.create(cron("b", { assistantId: "x", enabled: false, metadata: { team: "blue" } }));
      await crons.create(
        cron("c", { assistantId: "y", threadId: "t1", metadata: { team: "red", n: { k: 1 } } }),
      );
      expect(ids(await crons.search({ assistantId: "x" }, all))).toEqual(["a", "b"]);
      expect(ids(await crons.search({ threadId: "t1" }, all))).toEqual(["a", "c"]);
      expect(ids(await crons.search({ enabled: false }, all))).toEqual(["b"]);
      expect(ids(await crons.search({ metadata: { team: "red" } }, all))).toEqual(["a", "c"]);
      expect(ids(await crons.search({ metadata: { n: { k: 1 } } }, all))).toEqual(["c"]);
      expect(ids(await crons.search({ scope: { tags: { $contains: "p" } } }, all))).toEqual(["a"]);
      expect(ids(await crons.search({ assistantId: "x", metadata: { team: "red" } }, all))).toEqual(["a"]);
      expect(await crons.count({})).toBe(3);
      expect(await crons.count({ metadata: { team: "red" }, enabled: true })).toBe(2);
      expect(await crons.count({ assistantId: "z" })).toBe(0);
    });

    it("search sorts by each key with the id as tie-break, nulls first ascending, and pages", async () => {
      await crons.create(cron("a", { threadId: "t2", nextRunDate: at(30), createdAt: at(2) }));
      await crons.create(cron("b", { threadId: null, nextRunDate: null, createdAt: at(1) }));
      await crons.create(cron("c", { threadId: "t1", nextRunDate: at(10), createdAt: at(2) }));
      const page = (sortBy: Parameters<CronStore["search"]>[1]["sortBy"], sortOrder: "asc" | "desc") =>
        crons.search({}, { limit: 10, offset: 0, sortBy, sortOrder }).then(ids);
      expect(await page("thread_id", "asc")).toEqual(["b", "c", "a"]);
      expect(await page("thread_id", "desc")).toEqual(["a", "c", "b"]);
      expect(await page("next_run_date", "asc")).toEqual(["b", "c", "a"]);
      expect(await page("created_at", "asc")).toEqual(["b", "a", "c"]);
      expect(await page("created_at", "desc")).toEqual(["c", "a", "b"]);
      expect(await page("cron_id", "desc")).toEqual(["c", "b", "a"]);
      expect(ids(await crons.search({}, { ...all, limit: 1, offset: 1 }))).toEqual(["b"]);
      expect(await crons.search({}, { ...all, limit: 0 })).toEqual([]);
      expect(await crons.search({}, { ...all, offset: 3 })).toEqual([]);
    });

    it("listDue lists enabled crons due at now, oldest tick first, up to limit", async () => {
      await crons.create(cron("late", { nextRunDate: at(9) }));
      await crons.create(cron("early", { nextRunDate: at(1) }));
      await crons.create(cron("now", { nextRunDate: at(10) }));
      await crons.create(cron("future", { nextRunDate: at(11) }));
      await crons.create(cron("off", { nextRunDate: at(0), enabled: false }));
      await crons.create(cron("done", { nextRunDate: null }));
      expect(ids(await crons.listDue(at(10), 10))).toEqual(["early", "late", "now"]);
      expect(ids(await crons.listDue(at(10), 2))).toEqual(["early", "late"]);
      expect(await crons.listDue(at(0), 10)).toEqual([]);
    });

    it("claimTick moves nextRunDate only from the given tick on an enabled, unclaimed cron, once", async () => {
      await crons.create(cron("c1", { nextRunDate: at(5) }));
      await crons.create(cron("off", { nextRunDate: at(5), enabled: false }));
      expect(await crons.claimTick("c1", at(4), at(10), at(5))).toBeNull();
      const claimed = await crons.claimTick("c1", at(5), at(10), at(5));
      expect(claimed?.nextRunDate).toEqual(at(10));
      expect(claimed?.claim).toEqual({ tick: at(5), at: at(5) });
      expect(await crons.claimTick("c1", at(5), at(10), at(5))).toBeNull();
      expect((await crons.get("c1")).nextRunDate).toEqual(at(10));
      // The next tick waits for the claim of this one to be released.
      expect(await crons.claimTick("c1", at(10), null, at(10))).toBeNull();
      await crons.releaseTick("c1", at(5));
      expect((await crons.get("c1")).claim).toBeUndefined();
      expect((await crons.claimTick("c1", at(10), null, at(10)))?.nextRunDate).toBeNull();
      expect(await crons.claimTick("off", at(5), at(10), at(5))).toBeNull();
      expect(await crons.claimTick("nope", at(5), at(10), at(5))).toBeNull();
      expect((await crons.get("c1")).nextRunDate).toBeNull();
    });

    it("an unreleased claim is listed once stale and taken over by one caller; release clears it", async () => {
      await crons.create(cron("held", { nextRunDate: at(5) }));
      await crons.create(cron("due", { nextRunDate: at(6) }));
      await crons.claimTick("held", at(5), at(10), at(5));
      // Fresh: not listed (its next tick is not due either); stale from at(5) on.
      expect(ids(await crons.listDue(at(7), 10, at(4)))).toEqual(["due"]);
      expect(ids(await crons.listDue(at(7), 10, at(5)))).toEqual(["due", "held"]);
      // Without staleBefore, claims are never listed.
      expect(ids(await crons.listDue(at(20), 10))).toEqual(["due"]);
      const stale = { tick: at(5), at: at(5) };
      expect(await crons.reclaimTick("held", { tick: at(5), at: at(4) }, at(7))).toBeNull();
      const taken = await crons.reclaimTick("held", stale, at(7));
      expect(taken?.claim).toEqual({ tick: at(5), at: at(7) });
      // A second caller with the same view of the claim loses.
      expect(await crons.reclaimTick("held", stale, at(7))).toBeNull();
      // Releasing another tick leaves the claim; releasing its own clears it, and twice is harmless.
      await crons.releaseTick("held", at(10));
      expect((await crons.get("held")).claim).toEqual({ tick: at(5), at: at(7) });
      await crons.releaseTick("held", at(5));
      await crons.releaseTick("held", at(5));
      expect((await crons.get("held")).claim).toBeUndefined();
      expect(await crons.reclaimTick("held", { tick: at(5), at: at(7) }, at(8))).toBeNull();
      // A disabled cron's stale claim is still listed: its tick was claimed while it was enabled.
      await crons.claimTick("due", at(6), at(12), at(6));
      await crons.update("due", { enabled: false }, at(7));
      expect(ids(await crons.listDue(at(8), 10, at(6)))).toEqual(["due"]);
    });
  });
}
