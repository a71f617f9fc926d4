/**
 * The run fence (docs/runs.md "Leases"): checkpoint writes are fenced per run in the database — one run writes at
 * most one input/loop/fork child of a checkpoint (unique partial index `one_child_per_run`) — so a stale attempt
 * of a reclaimed run cannot fork the thread: its `put` fails with `CheckpointConflictError` and it stops without
 * writing anything more, while an owner that loses such a race continues from the new head. A reclaimed Command
 * run whose writes the crashed attempt already saved does not apply its update a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckpointMetadata, CheckpointSource } from "../../src/engine/checkpoint.js";
import { newCheckpointId } from "../../src/engine/ids.js";
import {
  append,
  CheckpointConflictError,
  Command,
  END,
  lastValue,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import type { CheckpointStore, PutCheckpointInput } from "../../src/engine/store.js";
import { hostLoomGraph } from "../../src/host/loom-graph.js";
import { executeRun } from "../../src/runtime/execute.js";
import { createRunSignals } from "../../src/runtime/signals.js";
import type { RunPlan, RuntimeDeps } from "../../src/runtime/types.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import type { RunRecord } from "../../src/store/records.js";
import { checkpointInput, nextId } from "../store/mongo-fixtures.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let t: TestDb;
let store: MongoStore;

beforeAll(async () => {
  t = await openTestDb("runtime_run_fence");
  store = createMongoStore({ client: t.client, dbName: t.dbName });
  await store.ensureIndexes();
});
afterAll(async () => {
  await t.drop();
});

/** Metadata of a checkpoint run `runId` writes. */
const run = (runId: string, source: CheckpointSource = "loop"): Partial<CheckpointMetadata> => ({
  run_id: runId,
  source,
  step: 1,
});

describe("run fence in the store", () => {
  it("two attempts of one run: exactly one loop child of a parent; other runs and updates stay legal", async () => {
    const parent = nextId();
    await store.checkpoints.put(checkpointInput("f1", { id: parent, metadata: run("r1", "input") }));
    const first = checkpointInput("f1", { parent, metadata: run("r1") });
    const second = checkpointInput("f1", {
      parent,
      metadata: run("r1"),
      parentWrites: [{ taskId: "t", taskPath: "t", idx: 0, channel: "count", value: 2 }],
    });
    await store.checkpoints.put(first);
    await expect(store.checkpoints.put(second)).rejects.toBeInstanceOf(CheckpointConflictError);
    const docs = await t.db.collection("checkpoints").find({ thread_id: "f1" }).toArray();
    expect(docs.map((d) => d.checkpoint_id).sort()).toEqual([parent, first.checkpoint.id].sort());
    // Nothing of the loser was written, not even its parent writes.
    expect(docs.find((d) => d.checkpoint_id === parent)?.writes).toEqual({});
    // Another run replaying from the same parent (docs/semantics.md §7.2) and an update are not fenced.
    await store.checkpoints.put(checkpointInput("f1", { parent, metadata: run("r2") }));
    await store.checkpoints.put(checkpointInput("f1", { parent, metadata: run("r1", "update") }));
    await store.checkpoints.put(checkpointInput("f1", { parent, metadata: run("r1", "update") }));
    // Checkpoints without a run id (the engine used directly) are not fenced either.
    await store.checkpoints.put(checkpointInput("f1", { parent }));
    await store.checkpoints.put(checkpointInput("f1", { parent }));
    // Two first checkpoints of a thread from one run (two input attempts): one wins.
    await store.checkpoints.put(checkpointInput("f2", { metadata: run("r3", "input") }));
    await expect(
      store.checkpoints.put(checkpointInput("f2", { metadata: run("r3", "input") })),
    ).rejects.toBeInstanceOf(CheckpointConflictError);
  });
});

const graph = new StateGraph({ n: lastValue<number>(), ticks: append<number>() })
  .addNode("tick", (state) => ({ ticks: [state.n] }))
  .addEdge(START, "tick")
  .addEdge("tick", END)
  .compile({ name: "fence" });

const plan: RunPlan = {
  graph: hostLoomGraph(graph),
  options: { input: { n: 7 } },
  metadata: {},
  deleteThreadAfter: false,
};

function depsFor(
  owner: string,
  checkpoints: CheckpointStore = store.checkpoints,
  runPlan: RunPlan = plan,
): RuntimeDeps {
  return {
    queue: store.queue,
    events: store.events,
    runs: store.runs,
    threads: store.threads,
    checkpoints,
    signals: createRunSignals(),
    resolve: async () => runPlan,
    settings: { owner, workers: 1, leaseMs: 60_000, maxAttempts: 3, pollMs: 1000 },
  };
}

/** The checkpoint store with a hook run before the `loop` checkpoint of step 1 (after `tick` ran) is sent. */
function beforeTickSaved(hook: (input: PutCheckpointInput) => Promise<void>): CheckpointStore {
  let fired = false;
  return {
    ...store.checkpoints,
    put: async (input) => {
      if (input.metadata.source === "loop" && input.metadata.step === 1 && !fired) {
        fired = true;
        await hook(input);
      }
      return store.checkpoints.put(input);
    },
  };
}

async function newRun(threadId: string, runId: string, newThread = true): Promise<RunRecord> {
  if (newThread) await store.threads.create({ threadId });
  const { run } = await store.queue.enqueue({
    runId,
    threadId,
    assistantId: "fence",
    multitaskStrategy: "reject",
    claimFor: { owner: "w1", leaseMs: 60_000 },
  });
  return run;
}

/** The thread's checkpoints oldest first; checks they form one chain (no checkpoint has two children). */
async function history(threadId: string): Promise<string[]> {
  const docs = await t.db
    .collection("checkpoints")
    .find({ thread_id: threadId })
    .sort({ checkpoint_id: 1 })
    .toArray();
  docs.forEach((d, i) => {
    expect(d.parent_checkpoint_id).toBe(i === 0 ? null : docs[i - 1]?.checkpoint_id);
  });
  return docs.map((d) => `${d.source}:${d.metadata.step}`);
}

describe("run fence in the runtime", () => {
  it("an attempt whose lease was reclaimed cannot write its step; it stops, the new owner's run stands", async () => {
    const first = await newRun("rt1", "run1");
    let entered!: () => void;
    const blocked = new Promise<void>((r) => {
      entered = r;
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const stale = executeRun(
      depsFor(
        "w1",
        beforeTickSaved(async () => {
          entered();
          await gate;
        }),
      ),
      first,
      { plan },
    );
    await blocked; // attempt 1 ran the step and is about to save it: a long pause, its lease lapses
    await t.db
      .collection("runs")
      .updateOne({ _id: "run1" as never }, { $set: { lease_expires_at: new Date(0) } });
    const second = await store.queue.claimExpired("w2", 60_000);
    expect(second).toMatchObject({ runId: "run1", attempt: 2, leaseOwner: "w2" });
    const owner = await executeRun(depsFor("w2"), second as RunRecord).done;
    expect(owner?.run.status).toBe("success");
    expect(owner?.waitBody).toEqual({ n: 7, ticks: [7] });

    release();
    expect(await stale.done).toBeUndefined();
    expect(await history("rt1")).toEqual(["input:-1", "loop:0", "loop:1"]);
    const after = await store.queue.output("run1");
    expect(after.run).toMatchObject({ status: "success", attempt: 2 });
    expect(after.output).toEqual({ n: 7, ticks: [7] });
  });

  it("an owner that loses the race to a stale attempt continues from the new head and ends once", async () => {
    const first = await newRun("rt2", "run2");
    const checkpoints = beforeTickSaved(async (input) => {
      // A stale attempt of the same run saves the same step first (a later id: it becomes the head).
      const id = newCheckpointId(input.metadata.step, [input.checkpoint.id]);
      await store.checkpoints.put({ ...input, checkpoint: { ...input.checkpoint, id } });
    });
    const done = await executeRun(depsFor("w1", checkpoints), first, { plan }).done;
    expect(done?.run.status).toBe("success");
    expect(done?.waitBody).toEqual({ n: 7, ticks: [7] });
    expect(await history("rt2")).toEqual(["input:-1", "loop:0", "loop:1"]);
    const thread = await store.threads.get("rt2");
    expect(thread).toMatchObject({ status: "idle", values: { n: 7, ticks: [7] } });
  });
});

describe("reclaimed Command run", () => {
  it("does not apply the Command's update twice when the crashed attempt saved it", async () => {
    const setup = await newRun("ct1", "c0");
    expect((await executeRun(depsFor("w1"), setup, { plan }).done)?.run.status).toBe("success");
    const commandPlan: RunPlan = {
      ...plan,
      options: { command: new Command({ update: { ticks: [100] }, goto: "tick" }) },
    };
    const first = await newRun("ct1", "c1", false);
    let entered!: () => void;
    const saved = new Promise<void>((r) => {
      entered = r;
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const crashing: CheckpointStore = {
      ...store.checkpoints,
      putWrites: async (ref, writes) => {
        await store.checkpoints.putWrites(ref, writes);
        entered();
        await gate; // the Command's writes are saved, no checkpoint yet: the worker stalls, its lease lapses
      },
    };
    const stale = executeRun(depsFor("w1", crashing, commandPlan), first, { plan: commandPlan });
    await saved;
    await t.db
      .collection("runs")
      .updateOne({ _id: "c1" as never }, { $set: { lease_expires_at: new Date(0) } });
    const second = (await store.queue.claimExpired("w2", 60_000)) as RunRecord;
    expect(second).toMatchObject({ runId: "c1", attempt: 2 });
    const done = await executeRun(depsFor("w2", store.checkpoints, commandPlan), second).done;
    expect(done?.run.status).toBe("success");
    expect(done?.waitBody).toEqual({ n: 7, ticks: [7, 100, 7] });
    release();
    expect(await stale.done).toBeUndefined();
    expect(await history("ct1")).toEqual(["input:-1", "loop:0", "loop:1", "loop:2"]);
    expect((await store.threads.get("ct1"))?.values).toEqual({ n: 7, ticks: [7, 100, 7] });
  });
});
