/**
 * The lease fence of the MongoDB store (src/store/mongo/lease-fence.ts, docs/runs.md "Leases") on the real mongod:
 * step writes of a holder commit while it holds the run, and are refused with nothing stored once the run was
 * reclaimed (`attempt + 1`), handed to another owner, its lease expired, or it ended; a reclaim racing with
 * commits leaves no commit of the old holder after it; a holder that died between its fence and its commit does not
 * hold up the reclaim (its open transaction is aborted).
 */
import { Binary, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseRefusedError } from "../../src/store/errors.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";
import { checkpointInput, write } from "./mongo-fixtures.js";

let t: TestDb;
let store: MongoStore;

beforeAll(async () => {
  t = await openTestDb("store_lease_fence");
  store = createMongoStore({ client: t.client, dbName: t.dbName });
  await store.ensureIndexes();
});
afterAll(async () => {
  await t.drop();
});

const holder = { owner: "w1", attempt: 1 };

async function heldRun(runId: string, leaseMs = 60_000): Promise<void> {
  await t.db.collection("runs").insertOne({
    _id: runId as never,
    thread_id: `thread-${runId}`,
    status: "running",
    attempt: 1,
    lease_owner: "w1",
    lease_expires_at: new Date(Date.now() + leaseMs),
  });
}

const checkpointsOf = (threadId: string) =>
  t.db.collection("checkpoints").find({ thread_id: threadId }).toArray();

describe("lease fence", () => {
  it("commits while held; once the run is lost, every kind of write is refused and stores nothing", async () => {
    for (const [runId, lose] of [
      ["reclaimed", { $inc: { attempt: 1 } }],
      ["other-owner", { $set: { lease_owner: "w2" } }],
      ["expired", { $set: { lease_expires_at: new Date(Date.now() - 1) } }],
      ["ended", { $set: { status: "success" } }],
    ] as const) {
      await heldRun(runId);
      const tid = `thread-${runId}`;
      const fenced = store.leaseFence.checkpoints(runId, holder);
      const events = store.leaseFence.events(runId, holder);
      const first = checkpointInput(tid);
      await fenced.put(first);
      await events.append(runId, [{ seq: 0, event: "metadata", data: { run_id: runId } }]);
      const ref = { threadId: tid, checkpointNs: "", checkpointId: first.checkpoint.id };
      await t.db.collection("runs").updateOne({ _id: runId as never }, lose);

      const second = checkpointInput(tid, { parent: first.checkpoint.id });
      await expect(fenced.put(second)).rejects.toBeInstanceOf(LeaseRefusedError);
      await expect(fenced.putWrites(ref, [write("t", 0, "count", 2)])).rejects.toBeInstanceOf(
        LeaseRefusedError,
      );
      await expect(fenced.writeBatch?.([{ kind: "put", input: second }])).rejects.toBeInstanceOf(
        LeaseRefusedError,
      );
      await expect(events.append(runId, [{ seq: 1, event: "values", data: {} }])).rejects.toBeInstanceOf(
        LeaseRefusedError,
      );

      const docs = await checkpointsOf(tid);
      expect(docs.map((d) => d.checkpoint_id)).toEqual([first.checkpoint.id]);
      expect(docs[0]?.writes).toEqual({});
      expect(await store.events.lastSeq(runId)).toBe(0);
      // Reads are not fenced.
      expect((await fenced.getTuple({ threadId: tid }))?.checkpoint.id).toBe(first.checkpoint.id);
    }
  });

  it("an event batch sent twice (a lost answer) is stored once", async () => {
    await heldRun("events-twice");
    const events = store.leaseFence.events("events-twice", holder);
    const batch = [
      { seq: 0, event: "metadata", data: { n: 1 } },
      { seq: 1, event: "values", data: { n: 2 } },
    ];
    await events.append("events-twice", batch);
    await events.append("events-twice", batch);
    expect(await store.events.read("events-twice", -1, 10)).toEqual(batch);
  });

  it("a reclaim racing with a stream of commits: no commit of the old holder is stored after it", async () => {
    await heldRun("race", 1);
    const tid = "thread-race";
    const fenced = store.leaseFence.checkpoints("race", holder);
    await t.db
      .collection("runs")
      .updateOne({ _id: "race" as never }, { $set: { lease_expires_at: new Date(Date.now() + 60_000) } });
    let parent: string | null = null;
    let refused = 0;
    const outcomes: string[] = [];
    const commits = (async () => {
      for (let i = 0; i < 40; i++) {
        const input = checkpointInput(tid, { parent });
        try {
          await fenced.put(input);
          parent = input.checkpoint.id;
          outcomes.push("stored");
        } catch (error) {
          if (!(error instanceof LeaseRefusedError)) throw error;
          refused++;
          outcomes.push("refused");
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    await t.db
      .collection("runs")
      .updateOne({ _id: "race" as never }, { $inc: { attempt: 1 }, $set: { lease_owner: "w2" } });
    await commits;
    expect(refused).toBeGreaterThan(0);
    // Once refused, always refused; exactly the commits answered "stored" are in the database.
    expect(outcomes.slice(outcomes.indexOf("refused")).every((o) => o === "refused")).toBe(true);
    expect((await checkpointsOf(tid)).length).toBe(40 - refused);
  });

  it("a holder that died inside a fenced transaction: the reclaim aborts it instead of waiting for it", {
    timeout: 20_000,
  }, async () => {
    // The only running run here, so the one the claim must find.
    await t.db.collection("runs").deleteMany({});
    await heldRun("orphan", 60_000);
    const tid = "thread-orphan";
    await store.leaseFence.checkpoints("orphan", holder).put(checkpointInput(tid));
    const runs = t.db.collection("runs");
    // The fence names the session of its transactions on the run.
    expect((await runs.findOne({ _id: "orphan" as never }))?.fence_session).toBeInstanceOf(Binary);
    await store.leaseFence.end("orphan", holder);

    // Another process (its own client) holds the run, its lease has lapsed, and it died between the fence and the
    // commit: its transaction stays open on the server with the run document written.
    await runs.updateOne(
      { _id: "orphan" as never },
      { $set: { lease_owner: "dead", lease_expires_at: new Date(Date.now() - 1) } },
    );
    const dead = await MongoClient.connect(t.uri);
    try {
      const session = dead.startSession();
      await runs.updateOne({ _id: "orphan" as never }, { $set: { fence_session: session.id?.id } });
      session.startTransaction();
      await dead
        .db(t.dbName)
        .collection("runs")
        .updateOne({ _id: "orphan" as never }, { $set: { fenced_at: new Date() } }, { session });

      // Without the abort the claim would wait for transactionLifetimeLimitSeconds (60 s) and time out this test.
      const claimed = await store.queue.claimExpired("w2", 60_000);
      expect(claimed).toMatchObject({ runId: "orphan", attempt: 2 });
      const doc = await runs.findOne({ _id: "orphan" as never });
      expect(doc).toMatchObject({ lease_owner: "w2", attempt: 2, fence_session: null });
      await expect(session.commitTransaction()).rejects.toThrow();
    } finally {
      await dead.close(true);
    }
  });
});
