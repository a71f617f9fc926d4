/**
 * Contract suite of `RunQueueStore` (src/store/queue-store.ts; docs/api.md §5 multitask), memory and MongoDB alike
 * (`stores.ts`): enqueue with each multitask strategy, immediate and queued claims, expired and orphaned leases,
 * fenced renew/finish/release, cancellation, run checkpoints, statuses, outputs and the pending count.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  RunExistsError,
  RunNotFoundError,
  ThreadBusyError,
  ThreadNotFoundError,
} from "../../src/store/errors.js";
import type { EnqueueInput, RunQueueStore } from "../../src/store/queue-store.js";
import { type ContractStores, chain, type MakeStores, type StoresFixture, tick } from "./stores.js";

/** Registers the RunQueueStore contract for one store. */
export function runQueueStoreContract(name: string, makeStores: MakeStores): void {
  describe(`RunQueueStore contract: ${name}`, () => {
    let fixture: StoresFixture;
    let s: ContractStores;
    let queue: RunQueueStore;
    beforeEach(async () => {
      fixture = await makeStores();
      s = fixture.stores;
      queue = s.queue;
      await s.threads.create({ threadId: "t1" });
      await s.threads.create({ threadId: "t2" });
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    /** Enqueues a run (strategy `enqueue` unless given) and waits for the clock to move on. */
    async function enqueue(runId: string, fields: Partial<EnqueueInput> = {}) {
      const result = await queue.enqueue({
        runId,
        threadId: "t1",
        assistantId: "a",
        multitaskStrategy: "enqueue",
        ...fields,
      });
      await tick(result.run.createdAt);
      return result;
    }
    const claimFor = { owner: "w1", leaseMs: 60_000 };

    it("enqueue claims a run at once on a free thread and queues it behind an active one", async () => {
      const first = await enqueue("r1", {
        claimFor,
        threadMetadata: { graph_id: "g" },
        kwargs: { input: { x: 1 } },
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      });
      expect(first).toMatchObject({
        threadStatusBefore: "idle",
        cancelRequested: [],
        threadHasNoCheckpoint: true,
      });
      expect(first.run).toMatchObject({
        status: "running",
        leaseOwner: "w1",
        attempt: 1,
        multitaskStrategy: "enqueue",
        kwargs: { input: { x: 1 } },
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      });
      expect((first.run.leaseExpiresAt?.getTime() ?? 0) - first.run.createdAt.getTime()).toBe(60_000);
      expect(await s.threads.get("t1")).toMatchObject({ status: "busy", metadata: { graph_id: "g" } });
      const second = await enqueue("r2", { claimFor });
      expect(second).toMatchObject({ threadStatusBefore: "busy", threadHasNoCheckpoint: false });
      expect(second.run).toMatchObject({ status: "pending", leaseOwner: null, leaseExpiresAt: null });
      const other = await enqueue("x1", { threadId: "t2" });
      expect(other.run.status).toBe("pending");
      expect(await queue.countPending()).toBe(2);
    });

    it("a thread written outside a run has checkpoints; a delayed run is never claimed at once", async () => {
      await s.threads.beginCheckpointWrite("t2");
      expect((await enqueue("x1", { threadId: "t2", claimFor })).threadHasNoCheckpoint).toBe(false);
      const later = new Date(Date.now() + 60_000);
      const delayed = await enqueue("r1", { claimFor, availableAt: later });
      expect(delayed.run).toMatchObject({ status: "pending", availableAt: later });
      expect(await queue.claimPending("w2", 60_000)).toBeNull();
    });

    it("enqueue errors write nothing: missing thread, reject on a busy thread, taken id", async () => {
      await expect(enqueue("r0", { threadId: "nope" })).rejects.toBeInstanceOf(ThreadNotFoundError);
      await enqueue("r1");
      await enqueue("r2");
      const busy = await enqueue("r3", { multitaskStrategy: "reject" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(busy).toBeInstanceOf(ThreadBusyError);
      expect((busy as ThreadBusyError).activeRunIds).toEqual(["r1", "r2"]);
      await expect(enqueue("r1", { threadId: "t2" })).rejects.toBeInstanceOf(RunExistsError);
      expect((await s.threads.get("t2")).status).toBe("idle");
      expect((await s.runs.listByThread("t1")).map((r) => r.runId)).toEqual(["r2", "r1"]);
      expect((await enqueue("x1", { threadId: "t2", multitaskStrategy: "reject" })).run.status).toBe(
        "pending",
      );
    });

    it("interrupt ends pending runs and asks running ones to stop; the new run then waits for them", async () => {
      await enqueue("r1", { claimFor });
      await enqueue("r2");
      const result = await enqueue("r3", { multitaskStrategy: "interrupt", claimFor });
      expect(result.cancelRequested).toEqual(["r1"]);
      expect(result.run.status).toBe("pending");
      expect(await s.runs.get("r1")).toMatchObject({ status: "running", cancelRequested: "interrupt" });
      expect((await s.runs.get("r2")).status).toBe("interrupted");
      expect((await s.runs.listActive("t1")).map((r) => r.runId)).toEqual(["r1", "r3"]);
    });

    it("rollback deletes pending runs; with none running left the new run is claimed at once", async () => {
      await enqueue("r1");
      await enqueue("r2");
      const result = await enqueue("r3", { multitaskStrategy: "rollback", claimFor });
      expect(result.cancelRequested).toEqual([]);
      expect(result.run.status).toBe("running");
      await expect(s.runs.get("r1")).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(s.runs.get("r2")).rejects.toBeInstanceOf(RunNotFoundError);
      const done = await queue.finish("r3", { owner: "w1", attempt: 1 }, "success", { status: "idle" }, null);
      expect(done?.threadActiveRuns).toBe(0);
      expect((await s.threads.get("t1")).status).toBe("idle");
    });

    it("claimPending takes the oldest available run of a thread with no running run", async () => {
      await enqueue("r1");
      await enqueue("r2");
      await enqueue("x1", { threadId: "t2" });
      const one = await queue.claimPending("w1", 60_000);
      expect(one).toMatchObject({ runId: "r1", status: "running", leaseOwner: "w1", attempt: 1 });
      expect((await queue.claimPending("w2", 60_000))?.runId).toBe("x1");
      expect(await queue.claimPending("w2", 60_000)).toBeNull();
      await queue.finish("r1", { owner: "w1", attempt: 1 }, "success", { status: "idle" }, null);
      expect((await queue.claimPending("w2", 60_000))?.runId).toBe("r2");
      expect(await queue.countPending()).toBe(0);
    });

    it("concurrent claims take each pending run once, one running run per thread", async () => {
      await enqueue("r1");
      await enqueue("r2");
      await enqueue("x1", { threadId: "t2" });
      const claims = await Promise.all(["w1", "w2", "w3", "w4"].map((w) => queue.claimPending(w, 60_000)));
      const taken = claims.filter((c) => c !== null);
      expect(taken.map((c) => c?.runId).sort()).toEqual(["r1", "x1"]);
      expect(new Set(taken.map((c) => c?.leaseOwner)).size).toBe(2);
    });

    it("an expired lease is reclaimed with attempt + 1; the old holder's writes are fenced off", async () => {
      await enqueue("r1", { claimFor: { owner: "w1", leaseMs: 1 } });
      await enqueue("x1", { threadId: "t2", claimFor });
      await tick(new Date(Date.now() + 2));
      const taken = await queue.claimExpired("w2", 60_000);
      expect(taken).toMatchObject({ runId: "r1", leaseOwner: "w2", attempt: 2, status: "running" });
      expect(await queue.claimExpired("w3", 60_000)).toBeNull();
      const old = { owner: "w1", attempt: 1 };
      expect(await queue.renew("r1", old, 60_000)).toBeNull();
      expect(await queue.finish("r1", old, "error", { status: "error" }, { lost: true })).toBeNull();
      await queue.release("r1", old);
      expect(await s.runs.get("r1")).toMatchObject({ status: "running", leaseOwner: "w2" });
      const renewed = await queue.renew("r1", { owner: "w2", attempt: 2 }, 120_000);
      expect(renewed).toMatchObject({ runId: "r1", leaseOwner: "w2", attempt: 2, kwargs: {}, metadata: {} });
      expect((renewed?.leaseExpiresAt?.getTime() ?? 0) - (renewed?.updatedAt.getTime() ?? 0)).toBe(120_000);
    });

    it("claimOrphaned reclaims the owner's own idle running runs it is not executing", async () => {
      await enqueue("r1", { claimFor });
      await enqueue("x1", { threadId: "t2", claimFor });
      await tick(new Date(Date.now() + 5));
      expect(await queue.claimOrphaned("w1", 60_000, ["r1", "x1"], 1)).toBeNull();
      expect(await queue.claimOrphaned("w2", 60_000, [], 1)).toBeNull();
      expect(await queue.claimOrphaned("w1", 60_000, [], 60_000)).toBeNull();
      const orphan = await queue.claimOrphaned("w1", 60_000, ["r1"], 1);
      expect(orphan).toMatchObject({ runId: "x1", attempt: 2, leaseOwner: "w1" });
      // Reclaiming wrote its lease just now: it is not idle for 10 s.
      expect(await queue.claimOrphaned("w1", 60_000, ["r1"], 10_000)).toBeNull();
    });

    it("finish by the holder stores the output and keeps the thread busy while another run is active", async () => {
      await enqueue("r1", { claimFor });
      await enqueue("r2");
      expect(await queue.finish("r1", { owner: "w1", attempt: 2 }, "success", {}, null)).toBeNull();
      const done = await queue.finish(
        "r1",
        { owner: "w1", attempt: 1 },
        "success",
        { status: "idle", values: { v: 1 } },
        { v: 1 },
      );
      expect(done).toMatchObject({
        threadActiveRuns: 1,
        run: { status: "success", leaseOwner: null, leaseExpiresAt: null },
      });
      expect(await s.threads.get("t1")).toMatchObject({ status: "busy", values: { v: 1 } });
      expect(await queue.output("r1")).toMatchObject({
        run: { runId: "r1", status: "success" },
        output: { v: 1 },
      });
      expect((await queue.output("r2")).output).toBeNull();
      await expect(queue.output("nope")).rejects.toBeInstanceOf(RunNotFoundError);
      expect(await queue.finish("r1", null, "error", {}, null)).toBeNull();
      const pendingDone = await queue.finish("r2", null, "interrupted", { status: "interrupted" }, null);
      expect(pendingDone?.threadActiveRuns).toBe(0);
      expect((await s.threads.get("t1")).status).toBe("interrupted");
      const statuses = await queue.statuses(["r1", "r2", "nope"]);
      expect([...statuses.entries()].sort()).toEqual([
        ["r1", "success"],
        ["r2", "interrupted"],
      ]);
      await queue.watch("r1");
      await queue.watch("nope");
    });

    it("release gives a held run back to the queue with the same attempt", async () => {
      await enqueue("r1", { claimFor });
      await queue.release("r1", { owner: "w1", attempt: 1 });
      expect(await s.runs.get("r1")).toMatchObject({
        status: "pending",
        leaseOwner: null,
        leaseExpiresAt: null,
        attempt: 1,
      });
      expect(await queue.countPending()).toBe(1);
      expect(await queue.claimPending("w2", 60_000)).toMatchObject({
        runId: "r1",
        leaseOwner: "w2",
        attempt: 1,
      });
    });

    it("requestCancel ends a pending run at once, flags a running one, and returns the run as it was", async () => {
      await enqueue("r1", { claimFor });
      await enqueue("x1", { threadId: "t2" });
      await enqueue("x2", { threadId: "t2" });
      const before = await queue.requestCancel("x1", "t2", "interrupt");
      expect(before.status).toBe("pending");
      expect((await s.runs.get("x1")).status).toBe("interrupted");
      expect((await s.threads.get("t2")).status).toBe("busy");
      await queue.requestCancel("x2", "t2", "rollback");
      await expect(s.runs.get("x2")).rejects.toBeInstanceOf(RunNotFoundError);
      expect((await s.threads.get("t2")).status).toBe("idle");
      const running = await queue.requestCancel("r1", "t1", "rollback");
      expect(running.cancelRequested).toBeNull();
      expect(await s.runs.get("r1")).toMatchObject({ status: "running", cancelRequested: "rollback" });
      await expect(queue.requestCancel("r1", "t2", "interrupt")).rejects.toBeInstanceOf(RunNotFoundError);
      await expect(queue.requestCancel("nope", "t1", "interrupt")).rejects.toBeInstanceOf(RunNotFoundError);
    });

    it("hasCheckpoint and deleteRunCheckpoints act on the run's checkpoints and the writes it names", async () => {
      const base = await chain(s.checkpoints, "t1", 2, "", { run_id: "r0" });
      const head = base[1] as string;
      await s.checkpoints.putWrites({ threadId: "t1", checkpointNs: "", checkpointId: head }, [
        { taskId: "task", taskPath: "~", idx: 0, channel: "resume", value: 1 },
        { taskId: "task", taskPath: "~", idx: 1, channel: "keep", value: 2 },
      ]);
      const mine = await chain(s.checkpoints, "t1", 1, "sub:1", { run_id: "r1" });
      expect(await queue.hasCheckpoint("t1", "r1")).toBe(true);
      expect(await queue.hasCheckpoint("t2", "r1")).toBe(false);
      expect(await queue.hasCheckpoint("t1", "r9")).toBe(false);
      await queue.deleteRunCheckpoints("t1", "r1", [
        { checkpointNs: "", checkpointId: head, taskId: "task", idx: 0 },
      ]);
      expect(await queue.hasCheckpoint("t1", "r1")).toBe(false);
      expect(
        await s.checkpoints.getTuple({ threadId: "t1", checkpointNs: "sub:1", checkpointId: mine[0] }),
      ).toBeUndefined();
      const tuple = await s.checkpoints.getTuple({ threadId: "t1" });
      expect(tuple?.checkpoint.id).toBe(head);
      expect(tuple?.pendingWrites.map((w) => w.channel)).toEqual(["keep"]);
      expect(await queue.hasCheckpoint("t1", "r0")).toBe(true);
    });
  });
}
