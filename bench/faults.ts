/**
 * `npm run bench:faults`: background runs through faults of Loom and of MongoDB (docs/benchmarks.md "Faults").
 *
 * Per scenario, from scratch: one `mongod` (a single-node replica set started by the project's launcher in a child
 * process, restartable on the same data, test/support/restartable-mongod.ts), three Loom replicas as child
 * processes on it (`node --import tsx src/main.ts`, test/runtime/processes.ts, graphs of
 * test/runtime/loom.runtime.json), `--runs` background runs of the 3-step `steps` graph (each node sleeps
 * `--node-ms` and logs its start and end to a file per run, test/runtime/graphs/steps.ts) created round robin on
 * the three, then, `--fault-after-ms` later, the fault:
 * - `replica`: `kill -9` of one Loom replica;
 * - `mongod5` / `mongod40`: `kill -9` of `mongod`, started again 5 s / 40 s later on the same data;
 * - `stepdown`: `replSetStepDown` (10 s, `force`) of the primary.
 * While the fault lasts, each live replica's `GET /ok` is sampled every 500 ms (its own request, 10 s timeout).
 * Once every run ended (or `--deadline-s` passed), the database is read directly: run statuses, each thread's
 * checkpoint chain (linear: one root, every parent present, no checkpoint with two children), the time each run
 * took from creation to its end; and the execution logs: overlapping executions of one run's nodes (an execution
 * of a killed replica without an end lasts until the kill).
 *
 * Usage: `npm run bench:faults [-- --runs=100 --scenarios=replica,mongod5,mongod40,stepdown --lease-ms=30000
 * --node-ms=300 --fault-after-ms=1000 --deadline-s=240]`. Output: a line per scenario while it runs, then a table
 * and, last, one JSON object with every figure. Every process started is stopped by its pid.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Document, MongoClient } from "mongodb";
import { overlaps, readExecutions } from "../test/runtime/execution-log.js";
import { type LoomProcess, startLoom } from "../test/runtime/processes.js";
import { postJson as post } from "../test/support/post-json.js";
import {
  killMongod,
  type RestartableMongod,
  startMongod,
  stopAllMongods,
} from "../test/support/restartable-mongod.js";

const arg = (name: string, fallback: string): string => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? (hit.split("=")[1] ?? fallback) : fallback;
};
const RUNS = Number(arg("runs", "100"));
const SCENARIOS = arg("scenarios", "replica,mongod5,mongod40,stepdown").split(",") as Scenario[];
const LEASE_MS = arg("lease-ms", "");
const NODE_MS = Number(arg("node-ms", "300"));
const FAULT_AFTER_MS = Number(arg("fault-after-ms", "1000"));
const DEADLINE_S = Number(arg("deadline-s", "240"));
const REPLICAS = 3;
const DB = "faults";

type Scenario = "replica" | "mongod5" | "mongod40" | "stepdown";

/** What one scenario measured. */
interface Figures {
  scenario: Scenario;
  runs: number;
  success: number;
  error: number;
  other: number;
  reclaimed: number;
  /** Runs by their final attempt number (`{"1": 92, "2": 8}`). */
  attempts: Record<string, number>;
  /** Creation-to-end times of the reclaimed runs, ascending. */
  reclaimedWaitsMs: number[];
  overlaps: number;
  nonLinear: number;
  waitP50Ms: number;
  waitMaxMs: number;
  okSamples: number;
  okMaxMs: number;
  ok503Within2s: number;
  faultMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One `/ok` probe: status (0: no answer) and how long it took. */
async function probe(url: string): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  try {
    const res = await fetch(`${url}/ok`, { signal: AbortSignal.timeout(10_000) });
    await res.text();
    return { status: res.status, ms: Date.now() - started };
  } catch {
    return { status: 0, ms: Date.now() - started };
  }
}

/** Whether `mongod` at `uri` answers as primary. */
async function isPrimary(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { directConnection: true, serverSelectionTimeoutMS: 500 });
  try {
    const hello = await client.db("admin").command({ hello: 1 });
    return hello.isWritablePrimary === true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Number of threads whose root checkpoints are not one linear chain. */
function nonLinearChains(checkpoints: readonly Document[]): number {
  const byThread = new Map<string, Document[]>();
  for (const c of checkpoints) {
    if (c.checkpoint_ns !== "") continue;
    const list = byThread.get(c.thread_id) ?? [];
    list.push(c);
    byThread.set(c.thread_id, list);
  }
  let bad = 0;
  for (const docs of byThread.values()) {
    const ids = new Set(docs.map((d) => d.checkpoint_id as string));
    const parents = docs.map((d) => d.parent_checkpoint_id as string | null);
    const linear =
      parents.filter((p) => p === null).length === 1 &&
      new Set(parents).size === parents.length &&
      parents.every((p) => p === null || ids.has(p));
    if (!linear) bad++;
  }
  return bad;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function scenario(name: Scenario): Promise<Figures> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `loom-faults-${name}-`));
  const dataDir = path.join(dir, "db");
  let mongod: RestartableMongod = await startMongod(dataDir);
  const env: Record<string, string> = { LOOM_WORKERS: "8" };
  if (LEASE_MS) env.LOOM_LEASE_MS = LEASE_MS;
  const looms: LoomProcess[] = [];
  const dead = new Map<number, number>();
  try {
    for (let i = 0; i < REPLICAS; i++) looms.push(await startLoom({ mongoUri: mongod.uri, dbName: DB, env }));
    const created = await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        const url = looms[i % REPLICAS]?.url as string;
        const threadId = (await post(`${url}/threads`, {})).thread_id as string;
        const log = path.join(dir, `run-${i}.log`);
        await post(`${url}/threads/${threadId}/runs`, { assistant_id: "steps", input: { log, ms: NODE_MS } });
        return log;
      }),
    );
    await sleep(FAULT_AFTER_MS);

    const samples: { status: number; ms: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      const pending: Promise<void>[] = [];
      while (sampling) {
        for (const loom of looms) {
          if (dead.has(loom.pid)) continue;
          pending.push(probe(loom.url).then((s) => void samples.push(s)));
        }
        await sleep(500);
      }
      await Promise.all(pending);
    })();
    const faultAt = Date.now();
    if (name === "replica") {
      const victim = looms[0] as LoomProcess;
      dead.set(victim.pid, Date.now());
      await victim.stop("SIGKILL");
      await sleep(2000);
    } else if (name === "mongod5" || name === "mongod40") {
      await killMongod(mongod);
      await sleep((name === "mongod5" ? 5000 : 40_000) - (Date.now() - faultAt));
      mongod = await startMongod(dataDir);
    } else {
      const admin = new MongoClient(mongod.uri, { directConnection: true });
      await admin
        .db("admin")
        .command({ replSetStepDown: 10, force: true })
        .catch(() => undefined);
      await admin.close().catch(() => undefined);
      const until = Date.now() + 30_000;
      while (!(await isPrimary(mongod.uri)) && Date.now() < until) await sleep(200);
    }
    const faultMs = Date.now() - faultAt;
    sampling = false;
    await sampler;

    const client = await MongoClient.connect(mongod.uri);
    try {
      const db = client.db(DB);
      const deadline = Date.now() + DEADLINE_S * 1000;
      let runs = await db.collection("runs").find({}).toArray();
      while (runs.some((r) => r.status === "pending" || r.status === "running") && Date.now() < deadline) {
        await sleep(500);
        runs = await db.collection("runs").find({}).toArray();
      }
      const checkpoints = await db.collection("checkpoints").find({}).toArray();
      let overlapping = 0;
      for (const log of created) overlapping += overlaps(await readExecutions(log), dead).length;
      const waits = runs
        .map((r) => (r.updated_at as Date).getTime() - (r.created_at as Date).getTime())
        .sort((a, b) => a - b);
      const count = (s: string) => runs.filter((r) => r.status === s).length;
      const errors = runs.filter((r) => r.status === "error");
      if (errors.length > 0) {
        const first = errors[0]?.output;
        console.log(
          `  ${name}: ${errors.length} runs ended error, e.g. ${JSON.stringify(first).slice(0, 400)}`,
        );
      }
      return {
        scenario: name,
        runs: runs.length,
        success: count("success"),
        error: count("error"),
        other: runs.length - count("success") - count("error"),
        reclaimed: runs.filter((r) => (r.attempt as number) > 1).length,
        attempts: runs.reduce<Record<string, number>>((acc, r) => {
          const key = String(r.attempt);
          acc[key] = (acc[key] ?? 0) + 1;
          return acc;
        }, {}),
        reclaimedWaitsMs: runs
          .filter((r) => (r.attempt as number) > 1)
          .map((r) => (r.updated_at as Date).getTime() - (r.created_at as Date).getTime())
          .sort((a, b) => a - b),
        overlaps: overlapping,
        nonLinear: nonLinearChains(checkpoints),
        waitP50Ms: percentile(waits, 0.5),
        waitMaxMs: waits.at(-1) ?? 0,
        okSamples: samples.length,
        okMaxMs: Math.max(0, ...samples.map((s) => s.ms)),
        ok503Within2s: samples.filter((s) => s.status === 503 && s.ms < 2000).length,
        faultMs,
      };
    } finally {
      await client.close();
    }
  } finally {
    for (const loom of looms) await loom.stop("SIGKILL");
    await stopAllMongods();
    await rm(dir, { recursive: true, force: true });
  }
}

const results: Figures[] = [];
for (const name of SCENARIOS) {
  const figures = await scenario(name);
  console.log(JSON.stringify(figures));
  results.push(figures);
}
const header =
  "| fault | runs | success | error | other | reclaimed | overlaps | non-linear | wait p50 / max (ms) | /ok samples | /ok max (ms) | 503 < 2 s |";
console.log(`\n${header}\n|${"---|".repeat(12)}`);
for (const f of results) {
  console.log(
    `| ${f.scenario} (${f.faultMs} ms) | ${f.runs} | ${f.success} | ${f.error} | ${f.other} | ${f.reclaimed} | ${f.overlaps} | ${f.nonLinear} | ${f.waitP50Ms} / ${f.waitMaxMs} | ${f.okSamples} | ${f.okMaxMs} | ${f.ok503Within2s} |`,
  );
}
console.log(JSON.stringify({ lease_ms: LEASE_MS || "default", node_ms: NODE_MS, results }));
