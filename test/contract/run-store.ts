/**
 * Contract suite of `RunStore` (src/store/records.ts), memory and MongoDB alike (`stores.ts`): creation and the
 * thread's busy status, `rejectIfBusy`, errors, listing orders and paging, update, finish and delete.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  InvalidQueryError,
  RunExistsError,
  RunNotFoundError,
  ThreadBusyError,
  ThreadNotFoundError,
} from "../../src/store/errors.js";
import type { RunStore } from "../../src/store/records.js";
import { type ContractStores, type MakeStores, type StoresFixture, tick } from "./stores.js";

/** Registers the RunStore contract for one store. */
export function runStoreContract(name: string, makeStores: MakeStores): void {
  describe(`RunStore contract: ${name}`, () => {
    let fixture: StoresFixture;
    let s: ContractStores;
    let runs: RunStore;
    beforeEach(async () => {
      fixture = await makeStores();
      s = fixture.stores;
      runs = s.runs;
      await s.threads.create({ threadId: "t1" });
      await s.threads.create({ threadId: "t2" });
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    /** Creates runs `ids` on `threadId` with distinct creation times, in order. */
    async function createRuns(threadId: string, ...ids: string[]): Promise<void> {
      for (const runId of ids) {
        const run = await runs.create({ runId, threadId, assistantId: "a" });
        await tick(run.createdAt);
      }
    }

    it("create stores a pending run with its defaults and makes the thread busy", async () => {
      const run = await runs.create({
        runId: "r1",
        threadId: "t1",
        assistantId: "a1",
        metadata: { m: { $in: [1] } },
        kwargs: { input: { x: 1 }, "a.b": null },
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      });
      expect(run).toMatchObject({
        runId: "r1",
        threadId: "t1",
        assistantId: "a1",
        status: "pending",
        metadata: { m: { $in: [1] } },
        kwargs: { input: { x: 1 }, "a.b": null },
        multitaskStrategy: "reject",
        attempt: 1,
        leaseOwner: null,
        leaseExpiresAt: null,
        cancelRequested: null,
        logEvents: false,
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      });
      expect(run.availableAt.getTime()).toBe(run.createdAt.getTime());
      expect(await runs.get("r1")).toEqual(run);
      expect(await runs.get("r1", "t1")).toEqual(run);
      expect((await s.threads.get("t1")).status).toBe("busy");
      expect((await s.threads.get("t2")).status).toBe("idle");
      const later = new Date(Date.now() + 60_000);
      const delayed = await runs.create({
        runId: "r2",
        threadId: "t2",
        assistantId: "a",
        availableAt: later,
        logEvents: true,
      });
      expect(delayed.availableAt.getTime()).toBe(later.getTime());
      expect(delayed.logEvents).toBe(true);
      expect(delayed.traceparent).toBeUndefined();
    });

    it("create errors: missing thread, busy thread with rejectIfBusy (oldest active first), taken id", async () => {
      await expect(runs.create({ runId: "r0", threadId: "nope", assistantId: "a" })).rejects.toBeInstanceOf(
        ThreadNotFoundError,
      );
      await createRuns("t1", "r1", "r2");
      const busy = await runs
        .create({ runId: "r3", threadId: "t1", assistantId: "a" }, { rejectIfBusy: true })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(busy).toBeInstanceOf(ThreadBusyError);
      expect((busy as ThreadBusyError).activeRunIds).toEqual(["r1", "r2"]);
      await expect(runs.get("r3")).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(runs.create({ runId: "r1", threadId: "t2", assistantId: "a" })).rejects.toBeInstanceOf(
        RunExistsError,
      );
      expect((await s.threads.get("t2")).status).toBe("idle");
      expect((await runs.get("r1")).threadId).toBe("t1");
      const free = await runs.create(
        { runId: "r4", threadId: "t2", assistantId: "a" },
        { rejectIfBusy: true },
      );
      expect(free.status).toBe("pending");
    });

    it("concurrent rejectIfBusy creations on one free thread: exactly one wins", async () => {
      const results = await Promise.allSettled(
        ["c1", "c2", "c3", "c4"].map((runId) =>
          runs.create({ runId, threadId: "t1", assistantId: "a" }, { rejectIfBusy: true }),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ThreadBusyError);
      expect(await runs.listActive("t1")).toHaveLength(1);
    });

    it("get checks the thread when given; a missing run raises RunNotFoundError", async () => {
      await createRuns("t1", "r1");
      await expect(runs.get("r1", "t2")).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(runs.get("nope")).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(runs.update("nope", { status: "error" })).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(runs.finish("nope", "success", {})).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(runs.delete("nope")).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(runs.delete("r1", "t2")).rejects.toBeInstanceOf(RunNotFoundError);
    });

    it("listByThread is newest first, filters by status and pages", async () => {
      await createRuns("t1", "r1", "r2", "r3");
      await createRuns("t2", "x1");
      await runs.update("r2", { status: "success" });
      const ids = (list: Array<{ runId: string }>) => list.map((r) => r.runId);
      expect(ids(await runs.listByThread("t1"))).toEqual(["r3", "r2", "r1"]);
      expect(ids(await runs.listByThread("t1", { status: "pending" }))).toEqual(["r3", "r1"]);
      expect(ids(await runs.listByThread("t1", { limit: 1, offset: 1 }))).toEqual(["r2"]);
      expect(await runs.listByThread("t1", { limit: 0 })).toEqual([]);
      expect(await runs.listByThread("nope")).toEqual([]);
      await expect(runs.listByThread("t1", { limit: -1 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(runs.listByThread("t1", { offset: 0.5 })).rejects.toBeInstanceOf(InvalidQueryError);
    });

    it("listActive and listByStatus are oldest first", async () => {
      await createRuns("t1", "r1", "r2", "r3");
      await createRuns("t2", "x1");
      await runs.update("r1", { status: "running" });
      await runs.update("r2", { status: "error" });
      expect((await runs.listActive("t1")).map((r) => r.runId)).toEqual(["r1", "r3"]);
      expect((await runs.listByStatus(["pending", "error"])).map((r) => r.runId)).toEqual(["r2", "r3", "x1"]);
      expect(await runs.listByStatus([])).toEqual([]);
    });

    it("update sets the given fields and bumps updatedAt, leaving the thread alone", async () => {
      await createRuns("t1", "r1");
      const before = await runs.get("r1");
      await tick(before.updatedAt);
      const expires = new Date(Date.now() + 5000);
      const after = await runs.update("r1", {
        status: "running",
        leaseOwner: "w1",
        leaseExpiresAt: expires,
        attempt: 2,
      });
      expect(after).toMatchObject({
        status: "running",
        leaseOwner: "w1",
        leaseExpiresAt: expires,
        attempt: 2,
      });
      expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
      const cleared = await runs.update("r1", { leaseOwner: null, leaseExpiresAt: null });
      expect(cleared).toMatchObject({
        status: "running",
        leaseOwner: null,
        leaseExpiresAt: null,
        attempt: 2,
      });
      expect((await s.threads.get("t1")).status).toBe("busy");
    });

    it("finish ends the run, clears the lease and applies the thread update; the thread stays busy while another run is active", async () => {
      await createRuns("t1", "r1", "r2");
      await runs.update("r1", { status: "running", leaseOwner: "w", leaseExpiresAt: new Date() });
      const done = await runs.finish("r1", "success", { status: "idle", values: { out: 1 } });
      expect(done).toMatchObject({ status: "success", leaseOwner: null, leaseExpiresAt: null });
      expect(await s.threads.get("t1")).toMatchObject({ status: "busy", values: { out: 1 } });
      await runs.finish("r2", "error", { status: "error", error: { message: "boom" } });
      expect(await s.threads.get("t1")).toMatchObject({
        status: "error",
        values: { out: 1 },
        error: { message: "boom" },
      });
      expect((await runs.get("r2")).status).toBe("error");
    });

    it("delete of the last active run frees a busy thread; of an ended run leaves the thread alone", async () => {
      await createRuns("t1", "r1", "r2");
      await runs.delete("r1", "t1");
      await expect(runs.get("r1")).rejects.toBeInstanceOf(RunNotFoundError);
      expect((await s.threads.get("t1")).status).toBe("busy");
      await runs.delete("r2");
      expect((await s.threads.get("t1")).status).toBe("idle");
      await createRuns("t2", "x1");
      await runs.finish("x1", "error", { status: "error" });
      await runs.delete("x1");
      expect((await s.threads.get("t2")).status).toBe("error");
    });
  });
}
