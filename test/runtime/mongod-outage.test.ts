/**
 * `mongod` killed (SIGKILL) under load and started again ~5 s later on the same data
 * (docs/runs.md "MongoDB outages"). A Loom process executes background runs of the two-step `crash` graph on their
 * own threads; while `mongod` is away:
 * - `GET /ok` answers 503 within 2 s in every sample, and 200 again within 2 s of `mongod` serving;
 * - a request that needs the database answers 503 with a `detail` instead of hanging;
 * afterwards, read directly from the database: every run `success` (none `error`), each thread's checkpoints one
 * linear chain whose head holds each node's update once.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, expect, it } from "vitest";
import { postJson as post } from "../support/post-json.js";
import {
  killMongod,
  type RestartableMongod,
  startMongod,
  stopAllMongods,
} from "../support/restartable-mongod.js";
import { type LoomProcess, startLoom } from "./processes.js";

const RUNS = 48;
const OUTAGE_MS = 5000;

const dirs: string[] = [];
const looms: LoomProcess[] = [];

afterAll(async () => {
  for (const loom of looms) await loom.stop("SIGKILL");
  await stopAllMongods();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** One timed `GET`: status, body and how long the answer took. */
async function timedGet(url: string): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = await res.text();
  return { status: res.status, body, ms: Date.now() - started };
}

/** The runs whose log (the `crash` graph's) shows `nap` started and `last` not yet. */
async function napping(logs: readonly string[]): Promise<Set<number>> {
  const texts = await Promise.all(logs.map((f) => readFile(f, "utf8").catch(() => "")));
  return new Set(texts.flatMap((t, i) => (t.includes("nap") && !t.includes("last") ? [i] : [])));
}

/**
 * Resolves as soon as a run starts its `nap` node (polling the logs every 10 ms; a run napping already when this
 * is called does not count), or after 10 s.
 */
async function aRunStartsNapping(logs: readonly string[]): Promise<void> {
  const before = await napping(logs);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const now = await napping(logs);
    if ([...now].some((i) => !before.has(i))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * One outage on a fresh `mongod` and Loom (lease `leaseMs`): RUNS background runs, `mongod` killed 1.2 s in (as a
 * run starts its nap) and
 * started again OUTAGE_MS later; asserts the health answers and the runs as described above; returns the figures.
 */
async function outage(leaseMs: number): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "loom-runtime-outage-"));
  dirs.push(dir);
  const dataDir = path.join(dir, "db");
  let mongod: RestartableMongod = await startMongod(dataDir);
  const loom = await startLoom({
    mongoUri: mongod.uri,
    dbName: "outage",
    // Operations fail after 2 s without a primary, well inside the outage: a write in flight when mongod dies
    // surely reaches the run's retry (with the 5 s default it could instead wait out the outage in the driver).
    env: { LOOM_WORKERS: "8", LOOM_LEASE_MS: String(leaseMs), LOOM_MONGO_SELECTION_TIMEOUT_MS: "2000" },
  });
  looms.push(loom);
  const url = loom.url;
  expect((await timedGet(`${url}/ok`)).status).toBe(200);

  const runs = await Promise.all(
    Array.from({ length: RUNS }, async (_, i) => {
      const tid = (await post(`${url}/threads`, {})).thread_id as string;
      const run = await post(`${url}/threads/${tid}/runs`, {
        assistant_id: "crash",
        input: { log: path.join(dir, `run-${i}.log`), ms: 400 },
      });
      return { tid, runId: run.run_id as string };
    }),
  );
  // Some runs are done, most are executing or queued: kill mongod mid-load, the moment a run starts its nap, so
  // that run's next write (when the nap ends) surely meets the outage. (At a fixed time the workers, started
  // together, may all be between runs, claiming the next ones, with no run's write in flight or to come.)
  await new Promise((r) => setTimeout(r, 1200));
  await aRunStartsNapping(runs.map((_, i) => path.join(dir, `run-${i}.log`)));
  const killedAt = Date.now();
  await killMongod(mongod);

  // While it is away: a probe of /ok every 500 ms (as a load balancer's, each on its own), and one request that
  // needs the database.
  const probes: Promise<{ status: number; ms: number }>[] = [];
  const read = timedGet(`${url}/threads/${runs[0]?.tid}`);
  while (Date.now() - killedAt < OUTAGE_MS - 1000) {
    probes.push(timedGet(`${url}/ok`));
    await new Promise((r) => setTimeout(r, 500));
  }
  const samples = (await Promise.all(probes)).map(({ status, ms }) => ({ status, ms }));
  const readAnswer = await read;
  expect(samples.length).toBeGreaterThanOrEqual(6);
  for (const s of samples) {
    expect(s.status).toBe(503);
    expect(s.ms).toBeLessThan(2000);
  }
  expect(readAnswer.status).toBe(503);
  expect(JSON.parse(readAnswer.body).detail).toMatch(/database unavailable/);
  expect(readAnswer.ms).toBeLessThan(OUTAGE_MS + 1000);

  await new Promise((r) => setTimeout(r, Math.max(0, killedAt + OUTAGE_MS - Date.now())));
  mongod = await startMongod(dataDir);
  const servingAt = Date.now();
  let okAfterMs: number | undefined;
  while (okAfterMs === undefined && Date.now() - servingAt < 10_000) {
    if ((await timedGet(`${url}/ok`)).status === 200) okAfterMs = Date.now() - servingAt;
    else await new Promise((r) => setTimeout(r, 100));
  }
  expect(okAfterMs).toBeDefined();
  expect(okAfterMs).toBeLessThan(2000);

  // Every run ends; read the database directly.
  const client = await MongoClient.connect(mongod.uri);
  try {
    const db = client.db("outage");
    let docs = await db.collection("runs").find({}).toArray();
    const deadline = Date.now() + 40_000;
    while (docs.some((d) => d.status === "pending" || d.status === "running") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      docs = await db.collection("runs").find({}).toArray();
    }
    const waited = docs
      .map((d) => (d.updated_at as Date).getTime() - (d.created_at as Date).getTime())
      .sort((a, b) => a - b);
    // Node executions (the graph logs each start): more than 3 per run means a step ran again after a lost lease.
    // A run that never started a node has no log: counted as none here, reported below with its document.
    let executions = 0;
    const withoutLog: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const log = await readFile(path.join(dir, `run-${i}.log`), "utf8").catch(() => undefined);
      if (log === undefined) withoutLog.push(i);
      else executions += log.split("\n").length - 1;
    }
    const figures = {
      leaseMs,
      runs: docs.length,
      statuses: Object.fromEntries(
        [...new Set(docs.map((d) => d.status as string))].map((s) => [
          s,
          docs.filter((d) => d.status === s).length,
        ]),
      ),
      reclaimed: docs.filter((d) => (d.attempt as number) > 1).length,
      nodeExecutions: executions,
      runsWithoutLog: withoutLog.map((i) => {
        const doc = docs.find((d) => String(d._id) === runs[i]?.runId);
        return {
          run: i,
          status: doc?.status,
          attempt: doc?.attempt,
          lease: doc?.lease_expires_at,
          output: doc?.output,
        };
      }),
      retryLogs: loom.output().split("the run retries while its lease holds").length - 1,
      gaveUpLogs: loom.output().split("the run goes back to the queue").length - 1,
      okSamplesMs: samples.map((s) => s.ms),
      dbRequestMs: readAnswer.ms,
      okAgainAfterMs: okAfterMs,
      runMsMedian: waited[Math.floor(waited.length / 2)],
      runMsMax: waited.at(-1),
    };
    console.log(`mongod outage figures: ${JSON.stringify(figures)}`);
    const errors = loom
      .output()
      .split("\n")
      .filter((l) => /"level":(50|60)/.test(l) || l.includes("goes back to the queue"));
    if (errors.length > 0) console.log(`Loom errors:\n${errors.join("\n").slice(0, 6000)}`);
    await loom.stop("SIGKILL");
    expect(docs).toHaveLength(RUNS);
    expect(docs.filter((d) => d.status !== "success").map((d) => [d._id, d.status])).toEqual([]);
    expect(withoutLog).toEqual([]);

    const checkpoints = await db.collection("checkpoints").find({}).toArray();
    for (const { tid } of runs) {
      const mine = checkpoints.filter((c) => c.thread_id === tid && c.checkpoint_ns === "");
      const ids = new Set(mine.map((c) => c.checkpoint_id as string));
      const parents = mine.map((c) => c.parent_checkpoint_id as string | null);
      // Linear: one root, every other checkpoint's parent is in the thread, no parent has two children.
      expect(parents.filter((p) => p === null)).toHaveLength(1);
      expect(new Set(parents).size).toBe(parents.length);
      for (const p of parents) if (p !== null) expect(ids.has(p)).toBe(true);
      const head = mine.reduce((x, y) => (x.checkpoint_id > y.checkpoint_id ? x : y));
      expect([...(head.values.steps as string[])].sort()).toEqual(["last", "nap", "quick"]);
    }
    return figures;
  } finally {
    await client.close();
  }
}

it("leases longer than the outage: the runs retry through it; none fails, no step runs twice", {
  timeout: 60_000,
}, async () => {
  const figures = await outage(30_000);
  // No run gives its lease up, so no node starts again: three executions per run. (A claim whose answer the outage
  // lost is adopted later with attempt + 1 — it counts as reclaimed — but had executed nothing.)
  expect(figures.nodeExecutions).toBe(3 * RUNS);
  expect(figures.retryLogs).toBeGreaterThan(0);
  expect(figures.gaveUpLogs).toBe(0);
});

it("leases shorter than the outage: the runs go back to the queue, are reclaimed and succeed", {
  timeout: 60_000,
}, async () => {
  const figures = await outage(3000);
  expect(figures.reclaimed).toBeGreaterThan(0);
});
