/**
 * The MongoDB run queue (`src/store/mongo/run-queue.ts`) on the shared test `mongod`: claims skip threads that
 * already have a running run (the unique partial index), leases fence every write that ends a run, an expired
 * lease is reclaimed with `attempt + 1` (so is a run of the claimer's own whose claim answer was lost), a released
 * run goes back to `pending`, and the thread's `active_runs` counter follows creation and ending.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadBusyError, ThreadNotFoundError } from "../../src/store/errors.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let t: TestDb;
let store: MongoStore;

beforeAll(async () => {
  t = await openTestDb("runtime_queue_store");
  store = createMongoStore({ client: t.client, dbName: t.dbName });
  await store.ensureIndexes();
});
afterAll(async () => {
  await t.drop();
});

const lease = { owner: "w1", leaseMs: 60_000 };

/** A run created running for `first` with a 1 ms lease, then reclaimed by `second` once that lease expired. */
async function expiredAndReclaimed(threadId: string, runId: string, first: string, second: string) {
  await store.threads.create({ threadId });
  await store.queue.enqueue({
    runId,
    threadId,
    assistantId: "a",
    multitaskStrategy: "reject",
    claimFor: { owner: first, leaseMs: 1 },
  });
  let reclaimed = null;
  while (!reclaimed) reclaimed = await store.queue.claimExpired(second, 60_000);
  return reclaimed;
}

describe("run queue", () => {
  it("claimOrphaned adopts a run leased to the owner itself that it does not execute, with attempt + 1", async () => {
    await store.threads.create({ threadId: "orphan" });
    const owner = "w-orphan";
    await store.queue.enqueue({
      runId: "r-orphan",
      threadId: "orphan",
      assistantId: "a",
      multitaskStrategy: "reject",
      claimFor: { owner, leaseMs: 60_000 },
    });
    await new Promise((r) => setTimeout(r, 20));
    // Executing here, leased to another owner, or written too recently: not an orphan.
    expect(await store.queue.claimOrphaned(owner, 60_000, ["r-orphan"], 0)).toBeNull();
    expect(await store.queue.claimOrphaned("w-other", 60_000, [], 0)).toBeNull();
    expect(await store.queue.claimOrphaned(owner, 60_000, [], 60_000)).toBeNull();
    const adopted = await store.queue.claimOrphaned(owner, 60_000, [], 10);
    expect(adopted).toMatchObject({ runId: "r-orphan", status: "running", leaseOwner: owner, attempt: 2 });
    // The old attempt's holder no longer holds it.
    expect(await store.queue.renew("r-orphan", { owner, attempt: 1 }, 60_000)).toBeNull();
  });

  it("one running run per thread; fenced finish; the queued run is claimed next", async () => {
    await store.threads.create({ threadId: "q1" });
    await store.threads.create({ threadId: "q2" });
    const first = await store.queue.enqueue({
      runId: "r1",
      threadId: "q1",
      assistantId: "a",
      multitaskStrategy: "reject",
      claimFor: lease,
    });
    expect(first.run).toMatchObject({ status: "running", leaseOwner: "w1" });
    await expect(
      store.queue.enqueue({ runId: "r0", threadId: "q1", assistantId: "a", multitaskStrategy: "reject" }),
    ).rejects.toBeInstanceOf(ThreadBusyError);
    const second = await store.queue.enqueue({
      runId: "r2",
      threadId: "q1",
      assistantId: "a",
      multitaskStrategy: "enqueue",
      claimFor: lease,
    });
    expect(second.run.status).toBe("pending");
    await store.queue.enqueue({ runId: "r3", threadId: "q2", assistantId: "a", multitaskStrategy: "reject" });
    // r2 is older but its thread is busy: the claim skips it and takes r3.
    expect((await store.queue.claimPending("w2", 60_000))?.runId).toBe("r3");
    expect(await store.queue.claimPending("w2", 60_000)).toBeNull();

    expect(
      await store.queue.finish("r1", { owner: "intruder", attempt: 1 }, "success", { status: "idle" }, {}),
    ).toBeNull();
    const ended = await store.queue.finish(
      "r1",
      { owner: "w1", attempt: 1 },
      "success",
      { status: "idle", values: { x: 1 } },
      { x: 1 },
    );
    expect(ended?.threadActiveRuns).toBe(1);
    expect(await store.threads.get("q1")).toMatchObject({ status: "busy", values: { x: 1 } });
    expect((await store.queue.output("r1")).output).toEqual({ x: 1 });
    const next = await store.queue.claimPending("w2", 60_000);
    expect(next).toMatchObject({ runId: "r2", status: "running", leaseOwner: "w2", attempt: 1 });
    await store.queue.finish("r2", { owner: "w2", attempt: 1 }, "success", { status: "idle" }, {});
    expect((await store.threads.get("q1")).status).toBe("idle");
  });

  it("an expired lease is reclaimed with attempt + 1; the old owner can neither renew nor finish", async () => {
    const reclaimed = await expiredAndReclaimed("e1", "x1", "old", "new");
    expect(reclaimed).toMatchObject({ runId: "x1", leaseOwner: "new", attempt: 2 });
    const old = { owner: "old", attempt: 1 };
    expect(await store.queue.renew("x1", old, 60_000)).toBeNull();
    expect(await store.queue.finish("x1", old, "success", { status: "idle" }, {})).toBeNull();
    expect(await store.queue.renew("x1", { owner: "new", attempt: 2 }, 60_000)).toMatchObject({
      cancelRequested: null,
    });
    await store.queue.release("x1", { owner: "new", attempt: 2 });
    expect(await store.runs.get("x1")).toMatchObject({ status: "pending", leaseOwner: null, attempt: 2 });
  });

  it("a worker that reclaimed its own run: the stale attempt can neither renew, release nor finish it", async () => {
    const reclaimed = await expiredAndReclaimed("s1", "s-run", "same", "same");
    expect(reclaimed).toMatchObject({ leaseOwner: "same", attempt: 2 });
    const stale = { owner: "same", attempt: 1 };
    expect(await store.queue.renew("s-run", stale, 60_000)).toBeNull();
    await store.queue.release("s-run", stale);
    expect(await store.queue.finish("s-run", stale, "error", { status: "error" }, {})).toBeNull();
    expect(await store.runs.get("s-run")).toMatchObject({ status: "running", attempt: 2 });
    const current = { owner: "same", attempt: 2 };
    expect(await store.queue.finish("s-run", current, "success", { status: "idle" }, {})).toMatchObject({
      run: { status: "success" },
    });
  });

  it("a run's end is marked watched only when another process called watch() first", async () => {
    for (const [threadId, runId] of [
      ["w1", "unwatched"],
      ["w2", "watched"],
    ] as const) {
      await store.threads.create({ threadId });
      await store.queue.enqueue({
        runId,
        threadId,
        assistantId: "a",
        multitaskStrategy: "reject",
        claimFor: lease,
      });
    }
    await store.queue.watch("watched");
    await store.queue.watch("no-such-run"); // ignored
    for (const runId of ["unwatched", "watched"]) {
      await store.queue.finish(
        runId,
        { owner: "w1", attempt: 1 },
        "success",
        { status: "idle" },
        { out: "$x" },
      );
    }
    const docs = await t.db
      .collection("runs")
      .find({ _id: { $in: ["unwatched", "watched"] } as never })
      .toArray();
    const watched = Object.fromEntries(docs.map((d) => [String(d._id), d.end_watched]));
    expect(watched).toEqual({ unwatched: false, watched: true });
    // Values pass through the pipeline as data, never as field paths.
    expect((await store.queue.output("watched")).output).toEqual({ out: "$x" });
  });

  it("enqueue tells whether the thread provably had no checkpoint", async () => {
    const enqueue = (threadId: string, runId: string) =>
      store.queue.enqueue({ runId, threadId, assistantId: "a", multitaskStrategy: "enqueue" });
    await store.threads.create({ threadId: "n1" });
    expect((await enqueue("n1", "n1-a")).threadHasNoCheckpoint).toBe(true);
    expect((await enqueue("n1", "n1-b")).threadHasNoCheckpoint).toBe(false);
    await store.threads.create({ threadId: "n2" });
    await store.threads.beginCheckpointWrite("n2");
    expect((await enqueue("n2", "n2-a")).threadHasNoCheckpoint).toBe(false);
    await expect(store.threads.beginCheckpointWrite("no-such-thread")).rejects.toBeInstanceOf(
      ThreadNotFoundError,
    );
  });

  it("cancel: a pending run ends at once; a running one gets cancel_requested", async () => {
    await store.threads.create({ threadId: "c1" });
    await store.queue.enqueue({
      runId: "c-run",
      threadId: "c1",
      assistantId: "a",
      multitaskStrategy: "reject",
      claimFor: lease,
    });
    await store.queue.enqueue({
      runId: "c-pend",
      threadId: "c1",
      assistantId: "a",
      multitaskStrategy: "enqueue",
    });
    await store.queue.requestCancel("c-pend", "c1", "interrupt");
    expect((await store.runs.get("c-pend")).status).toBe("interrupted");
    await store.queue.requestCancel("c-run", "c1", "rollback");
    expect(await store.queue.renew("c-run", { owner: "w1", attempt: 1 }, 60_000)).toMatchObject({
      cancelRequested: "rollback",
    });
    expect((await store.threads.get("c1")).status).toBe("busy");
  });
});
