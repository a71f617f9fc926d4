/**
 * `npm run bench:store` — Loom's MongoDB checkpoint store against the raw driver floor and against
 * `@langchain/langgraph-checkpoint-mongodb` 1.4.1 `MongoDBSaver`, on one `mongod`.
 *
 * Starts a throwaway mongod with the project's launcher (`MONGODB_URI` wins when set). A super-step here is a
 * state of ~STATE_KB KiB (a message list) written as a new checkpoint plus TASKS small task writes against its
 * parent. Sections: (a) raw `insertOne` of a document of the same BSON size; (b) Loom `put` with `parentWrites`;
 * (c) MongoDBSaver `putWrites` per task + `put`; (d) history(10) and history(all) on threads of DEPTH checkpoints;
 * (e) design check: pending writes in a separate collection instead of embedded. Write paths are interleaved
 * step by step (order rotated) and history queries round by round; each ratio is the median of per-round ratios,
 * so background load (a shared 2-core machine) hits every contender alike. Times are medians of rounds.
 * Last line: one JSON object with the ratios.
 */
import { performance } from "node:perf_hooks";
import { type Checkpoint as LgCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { MongoDBSaver } from "@langchain/langgraph-checkpoint-mongodb";
import { BSON, type Db, MongoClient } from "mongodb";
import type { Checkpoint, CheckpointMetadata, JsonValue, PendingWrite } from "../src/engine/checkpoint.js";
import { launchMongo } from "../src/mongod/launcher.js";
import { createMongoStore, type MongoStore, toCheckpointDoc } from "../src/store/mongo/index.js";

const STATE_KB = 8;
const TASKS = 2;
const STEPS = 200;
const ROUNDS = 6;
const DEPTH = 1000;
const HISTORY_ROUNDS = 8;
const HISTORY10_REPS_PER_ROUND = 25;
const HISTORY_ALL_ROUNDS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number, digits = 1): string => x.toFixed(digits);

function state(step: number): Record<string, JsonValue> {
  const messages = [];
  for (let i = 0; messages.length * 256 < STATE_KB * 1024; i++) {
    messages.push({
      role: i % 2 ? "assistant" : "user",
      content: `message ${i} of step ${step} `.padEnd(200, "x"),
    });
  }
  return { messages, step, done: false };
}

interface Step {
  id: string;
  parent: string | null;
  checkpoint: Checkpoint;
  metadata: CheckpointMetadata;
  writes: PendingWrite[];
}

/** `n` chained super-steps on one thread with time-ordered ids. */
function steps(n: number): Step[] {
  const out: Step[] = [];
  let parent: string | null = null;
  for (let i = 0; i < n; i++) {
    const id = uuid6(i);
    const values = state(i);
    out.push({
      id,
      parent,
      checkpoint: {
        v: 4,
        id,
        ts: new Date().toISOString(),
        channelValues: values,
        channelVersions: { messages: i + 1, step: i + 1, done: i + 1, "branch:to:agent": i + 1 },
        versionsSeen: { agent: { "branch:to:agent": i }, __input__: {} },
      },
      metadata: { source: "loop", step: i, parents: {} },
      writes: Array.from({ length: TASKS }, (_, t) => ({
        taskId: `task-${i}-${t}`,
        taskPath: `~__pregel_pull, node${t}`,
        idx: 0,
        channel: "messages",
        value: [{ role: "assistant", content: `reply ${t} of step ${i}` }],
      })),
    });
    parent = id;
  }
  return out;
}

const toLg = (s: Step): LgCheckpoint =>
  ({
    v: 4,
    id: s.checkpoint.id,
    ts: s.checkpoint.ts,
    channel_values: s.checkpoint.channelValues,
    channel_versions: s.checkpoint.channelVersions,
    versions_seen: s.checkpoint.versionsSeen,
  }) as LgCheckpoint;

async function loomSteps(store: MongoStore, thread: string, items: Step[]): Promise<void> {
  for (const s of items) {
    await store.checkpoints.put({
      threadId: thread,
      checkpointNs: "",
      checkpoint: s.checkpoint,
      metadata: s.metadata,
      parentCheckpointId: s.parent,
      ...(s.parent ? { parentWrites: s.writes } : {}),
    });
  }
}

async function saverSteps(saver: MongoDBSaver, thread: string, items: Step[]): Promise<void> {
  for (const s of items) {
    const parentConfig = {
      configurable: { thread_id: thread, checkpoint_ns: "", checkpoint_id: s.parent ?? undefined },
    };
    if (s.parent) {
      for (const w of s.writes) await saver.putWrites(parentConfig, [[w.channel, w.value]], w.taskId);
    }
    await saver.put(parentConfig, toLg(s), s.metadata as never);
  }
}

async function rawSteps(db: Db, docs: Record<string, unknown>[]): Promise<void> {
  const c = db.collection("raw_floor");
  for (const doc of docs) await c.insertOne({ ...doc });
}

/** Separate-collection variant of Loom's write path: insertMany(writes) then insertOne(checkpoint), 2 round trips. */
async function separateSteps(db: Db, thread: string, items: Step[]): Promise<void> {
  for (const s of items) {
    const doc = toCheckpointDoc({
      threadId: thread,
      checkpointNs: "",
      checkpoint: s.checkpoint,
      metadata: s.metadata,
      parentCheckpointId: s.parent,
    }) as unknown as Record<string, unknown>;
    delete doc.writes;
    if (s.parent) {
      const writes = s.writes.map((w) => ({
        thread_id: thread,
        checkpoint_ns: "",
        checkpoint_id: s.parent,
        task_id: w.taskId,
        task_path: w.taskPath,
        idx: w.idx,
        channel: w.channel,
        value: w.value,
      }));
      await db.collection("alt_writes").insertMany(writes);
    }
    await db.collection("alt_checkpoints").insertOne(doc);
  }
}

/** History of the separate-collection variant: the checkpoints, then their writes with one `$in` query. */
async function separateHistory(db: Db, thread: string, limit: number): Promise<number> {
  const docs = await db
    .collection("alt_checkpoints")
    .find({ thread_id: thread, checkpoint_ns: "" })
    .sort({ checkpoint_id: -1 })
    .limit(limit)
    .toArray();
  const ids = docs.map((d) => d.checkpoint_id as string);
  const writes = await db
    .collection("alt_writes")
    .find({ thread_id: thread, checkpoint_ns: "", checkpoint_id: { $in: ids } })
    .toArray();
  return docs.length + writes.length;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const mongo = await launchMongo({
    toolsRoot: process.cwd(),
    ...(process.env.MONGODB_URI ? { uri: process.env.MONGODB_URI } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
  });
  const client = await MongoClient.connect(mongo.uri);
  const db = client.db(`bench_store_${Date.now()}`);
  try {
    const store = createMongoStore({ client, dbName: db.databaseName });
    await store.ensureIndexes();
    // The saver bundles its own driver typings; it runs on this client (driver 7.8.0) at runtime.
    const saver = new MongoDBSaver({ client: client as never, dbName: db.databaseName });
    await saver.setup();
    await db
      .collection("alt_checkpoints")
      .createIndex({ thread_id: 1, checkpoint_ns: 1, checkpoint_id: -1 }, { unique: true });
    await db
      .collection("alt_writes")
      .createIndex(
        { thread_id: 1, checkpoint_ns: 1, checkpoint_id: 1, task_id: 1, idx: 1 },
        { unique: true },
      );

    const sample = steps(2)[1] as Step;
    const sampleDoc = toCheckpointDoc({
      threadId: "bench-thread-0000",
      checkpointNs: "",
      checkpoint: sample.checkpoint,
      metadata: sample.metadata,
      parentCheckpointId: sample.parent,
    }) as unknown as Record<string, unknown>;
    const docBytes = BSON.calculateObjectSize(sampleDoc);
    console.log(
      `mongod ${mongo.version ?? "?"} (${mongo.source}); checkpoint document ${docBytes} B, ${TASKS} task writes per step`,
    );
    console.log(
      `write path: ${ROUNDS} rounds × ${STEPS} steps per contender, interleaved step by step; ratios are medians of per-round ratios`,
    );

    // Round trips per super-step, counted with command monitoring on a second client.
    const monitored = await MongoClient.connect(mongo.uri, { monitorCommands: true });
    let sent = 0;
    monitored.on("commandStarted", () => {
      sent += 1;
    });
    const tripSteps = steps(11);
    const loomTrips = createMongoStore({ client: monitored, dbName: db.databaseName });
    const saverTrips = new MongoDBSaver({ client: monitored as never, dbName: db.databaseName });
    await loomSteps(loomTrips, "trips-loom", tripSteps.slice(0, 1));
    await saverSteps(saverTrips, "trips-saver", tripSteps.slice(0, 1));
    sent = 0;
    await loomSteps(loomTrips, "trips-loom", tripSteps.slice(1));
    const loomRoundTrips = sent / 10;
    sent = 0;
    await saverSteps(saverTrips, "trips-saver", tripSteps.slice(1));
    const saverRoundTrips = sent / 10;
    await monitored.close();
    console.log(`round trips per super-step: Loom ${loomRoundTrips}, MongoDBSaver ${saverRoundTrips}`);

    const runs = {
      raw: [] as number[],
      loom: [] as number[],
      saver: [] as number[],
      separate: [] as number[],
    };
    await loomSteps(store, "warmup-loom", steps(50));
    await saverSteps(saver, "warmup-saver", steps(50));
    for (let r = 0; r < ROUNDS; r++) {
      const items = steps(STEPS);
      const rawDocs = items.map(() => ({ ...sampleDoc }));
      const contenders: [number[], (i: number) => Promise<void>][] = [
        [runs.raw, (i) => rawSteps(db, rawDocs.slice(i, i + 1))],
        [runs.loom, (i) => loomSteps(store, `loom-${r}`, items.slice(i, i + 1))],
        [runs.saver, (i) => saverSteps(saver, `saver-${r}`, items.slice(i, i + 1))],
        [runs.separate, (i) => separateSteps(db, `separate-${r}`, items.slice(i, i + 1))],
      ];
      const totals = contenders.map(() => 0);
      // Interleaved step by step (order rotated), so load bursts on the shared machine hit every contender alike.
      for (let i = 0; i < items.length; i++) {
        for (let k = 0; k < contenders.length; k++) {
          const c = (k + i) % contenders.length;
          const [, run] = contenders[c] as [number[], (i: number) => Promise<void>];
          totals[c] = (totals[c] as number) + (await time(() => run(i)));
        }
      }
      contenders.forEach(([into], c) => {
        into.push(totals[c] as number);
      });
    }
    /** Median over rounds of a/b, each pair measured in the same round. */
    const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] as number)));
    const perStep = (ms: number[]) => median(ms) / STEPS;
    const raw = perStep(runs.raw);
    const loom = perStep(runs.loom);
    const sav = perStep(runs.saver);
    const sep = perStep(runs.separate);
    console.log(
      `(a) raw insertOne floor        ${fmt(raw * 1000, 0)} µs/step  ${fmt(1000 / raw, 0)} steps/s`,
    );
    console.log(
      `(b) Loom put+parentWrites      ${fmt(loom * 1000, 0)} µs/step  ${fmt(1000 / loom, 0)} steps/s  ${fmt(ratio(runs.loom, runs.raw), 2)}× raw`,
    );
    console.log(
      `(c) MongoDBSaver putWrites+put ${fmt(sav * 1000, 0)} µs/step  ${fmt(1000 / sav, 0)} steps/s  ${fmt(ratio(runs.saver, runs.loom), 2)}× Loom`,
    );
    console.log(
      `(e) separate writes collection ${fmt(sep * 1000, 0)} µs/step  ${fmt(ratio(runs.separate, runs.loom), 2)}× embedded`,
    );

    console.log(`history: threads of ${DEPTH} checkpoints, each with ${TASKS} pending writes`);
    const deep = steps(DEPTH + 1);
    await loomSteps(store, "deep-loom", deep);
    await saverSteps(saver, "deep-saver", deep);
    const hist = {
      loom10: [] as number[],
      saver10: [] as number[],
      loomAll: [] as number[],
      saverAll: [] as number[],
      separate10: [] as number[],
    };
    const saverList = async (limit?: number) => {
      const out = [];
      const config = { configurable: { thread_id: "deep-saver", checkpoint_ns: "" } };
      for await (const tuple of saver.list(config, limit ? { limit } : {})) out.push(tuple);
      return out;
    };
    for (let r = 0; r < HISTORY_ROUNDS; r++) {
      hist.loom10.push(
        await time(async () => {
          for (let i = 0; i < HISTORY10_REPS_PER_ROUND; i++)
            await store.checkpoints.list({ threadId: "deep-loom", limit: 10 });
        }),
      );
      hist.saver10.push(
        await time(async () => {
          for (let i = 0; i < HISTORY10_REPS_PER_ROUND; i++) await saverList(10);
        }),
      );
      hist.separate10.push(
        await time(async () => {
          for (let i = 0; i < HISTORY10_REPS_PER_ROUND; i++) await separateHistory(db, "separate-0", 10);
        }),
      );
      if (r < HISTORY_ALL_ROUNDS) {
        hist.loomAll.push(await time(() => store.checkpoints.list({ threadId: "deep-loom" })));
        hist.saverAll.push(await time(() => saverList()));
      }
    }
    const per10 = (ms: number[]) => median(ms) / HISTORY10_REPS_PER_ROUND;
    const l10 = per10(hist.loom10);
    const s10 = per10(hist.saver10);
    const lAll = median(hist.loomAll);
    const sAll = median(hist.saverAll);
    const sep10 = per10(hist.separate10);
    console.log(
      `(d) history(10)  Loom ${fmt(l10, 2)} ms  MongoDBSaver ${fmt(s10, 2)} ms  → ${fmt(ratio(hist.saver10, hist.loom10), 1)}× faster`,
    );
    console.log(
      `(d) history(all) Loom ${fmt(lAll, 0)} ms  MongoDBSaver ${fmt(sAll, 0)} ms  → ${fmt(ratio(hist.saverAll, hist.loomAll), 1)}× faster`,
    );
    console.log(
      `(e) history(10) with writes in a separate collection (2 queries) ${fmt(sep10, 2)} ms → ${fmt(ratio(hist.separate10, hist.loom10), 2)}× embedded`,
    );
    console.log(
      JSON.stringify({
        bench: "store",
        doc_bytes: docBytes,
        loom_round_trips_per_step: loomRoundTrips,
        mongodbsaver_round_trips_per_step: saverRoundTrips,
        raw_insert_us: Math.round(raw * 1000),
        loom_step_us: Math.round(loom * 1000),
        mongodbsaver_step_us: Math.round(sav * 1000),
        separate_writes_step_us: Math.round(sep * 1000),
        separate_writes_history10_ms: Number(sep10.toFixed(3)),
        step_vs_raw: Number(ratio(runs.loom, runs.raw).toFixed(2)),
        vs_mongodbsaver_put: Number(ratio(runs.saver, runs.loom).toFixed(2)),
        history10_ms: Number(l10.toFixed(3)),
        history10_vs_mongodbsaver: Number(ratio(hist.saver10, hist.loom10).toFixed(1)),
        history_all_ms: Number(lAll.toFixed(1)),
        history_all_vs_mongodbsaver: Number(ratio(hist.saverAll, hist.loomAll).toFixed(1)),
      }),
    );
  } finally {
    await db.dropDatabase().catch(() => {});
    await client.close();
    await mongo.stop();
  }
}

await main();
