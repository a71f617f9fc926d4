/**
 * The change stream behind the runtime's wake-ups (`src/store/mongo/change-watcher.ts`): a queued run is
 * reported as work, a cancel request carries its action, an appended event names its run, lease renewals are not
 * reported at all, nor claims, runs created running and ends nobody watches (a watched end is), and the stream survives the database being dropped (it reopens).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunChange } from "../../src/store/change-feed.js";
import { createMongoChangeWatcher } from "../../src/store/mongo/change-watcher.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let t: TestDb;
let stop: () => Promise<void>;
const seen: RunChange[] = [];

beforeAll(async () => {
  t = await openTestDb("runtime_change_watcher");
  stop = createMongoChangeWatcher(t.db, { retryMs: 50 })((c) => seen.push(c));
});
afterAll(async () => {
  await stop();
  await t.drop();
});

/** Repeats `write` (with a fresh id) until a change matching `match` arrives; the stream opens asynchronously. */
async function until(write: (n: number) => Promise<unknown>, match: (c: RunChange) => boolean) {
  for (let n = 0; n < 200; n++) {
    await write(n);
    await new Promise((r) => setTimeout(r, 50));
    const hit = seen.find(match);
    if (hit) return hit;
  }
  throw new Error("no change seen");
}

it("reports queued runs, cancels and events; not lease renewals; reopens after a dropped database", async () => {
  const runs = t.db.collection<{ _id: string; status: string }>("runs");
  const queued = await until(
    (n) => runs.insertOne({ _id: `p${n}`, status: "pending" }),
    (c) => c.runId.startsWith("p"),
  );
  expect(queued).toMatchObject({ runDocument: true, work: true });

  // Neither a lease renewal, a claim, nor a run created already running wakes anybody.
  await runs.updateOne({ _id: queued.runId }, { $set: { lease_expires_at: new Date() } });
  await runs.updateOne({ _id: queued.runId }, { $set: { status: "running" } });
  await runs.insertOne({ _id: "created-running", status: "running" });
  const cancel = await until(
    () => runs.updateOne({ _id: queued.runId }, { $set: { cancel_requested: "rollback" } }),
    (c) => c.cancel !== undefined,
  );
  expect(cancel).toMatchObject({ runId: queued.runId, cancel: "rollback" });
  const event = await until(
    (n) => t.db.collection("run_events").insertOne({ run_id: "r-ev", seq: n }),
    (c) => c.runId === "r-ev",
  );
  expect(event.runDocument).toBe(false);
  // The renewal and the claim above produced no change of their own: only the insert and the cancel named that
  // run; the run created running was not reported. Its end is.
  expect(seen.filter((c) => c.runId === queued.runId && !c.cancel && !c.work)).toEqual([]);
  expect(seen.filter((c) => c.runId === "created-running")).toEqual([]);
  // An end nobody elsewhere waits for is not reported; a watched end is.
  await runs.updateOne({ _id: "created-running" }, { $set: { status: "success", end_watched: false } });
  await runs.insertOne({ _id: "watched", status: "running" });
  const ended = await until(
    () => runs.updateOne({ _id: "watched" }, { $set: { status: "success", end_watched: true } }),
    (c) => c.runId === "watched",
  );
  expect(ended).toMatchObject({ runDocument: true });
  expect(ended.work).toBeUndefined();
  expect(seen.filter((c) => c.runId === "created-running")).toEqual([]);

  await t.db.dropDatabase();
  const after = await until(
    (n) => runs.insertOne({ _id: `again${n}`, status: "pending" }),
    (c) => c.runId.startsWith("again"),
  );
  expect(after.work).toBe(true);
});
