/**
 * `npm run bench:runs`: run throughput under concurrent clients.
 *
 * Three contenders, one after the other on this machine, each for a fixed duration per cell:
 * - **loom**: started as `npm start` starts it, `npm run build` once then `node dist/src/main.js` (plus
 *   `BENCH_LOOM_NODE_ARGS`, extra node flags), as a child process (`LOG_LEVEL=silent`, 127.0.0.1, a free port) on a
 *   `mongod` started by the project's launcher in a temporary directory and handed over as `MONGODB_URI` (the same
 *   embedded `mongod` `npm start` would launch; the bench keeps hold of it to count writes and run the floor).
 * - **peer**: the LangGraph.js dev server, `@langchain/langgraph-api` 2.0.0 with in-memory storage, serving the
 *   same three graphs written in LangGraph.js (`bench/peer`, a package of its own installed with
 *   `npm ci --prefix bench/peer`; done here on first use). Started as `langgraphjs dev` starts it: tsx plus the
 *   API's preload, `startServer` with 10 workers (the CLI's `--n-jobs-per-worker` default), `LOG_LEVEL=error`.
 * - **floor**: the raw MongoDB driver on the same `mongod` doing, per run, the same number of document writes
 *   (inserts, updates, deletes) that Loom was seen to perform per run, one after the other, at the same concurrency.
 *
 * Loom also serves `lg_breakpoints`, the LangGraph.js twin of the same graph (`examples/langgraphjs/breakpoints.ts`),
 * in a cell of its own at 32 clients: LangGraph.js hosted by Loom beside the same LangGraph.js graph on the dev
 * server, and its server CPU per run beside Loom's engine.
 *
 * Both servers are driven through their public REST API by the official JS SDK (`@langchain/langgraph-sdk`), one
 * `Client` per simulated client. A client loops `threads.create` + `runs.wait(thread, "breakpoints", {input})`
 * (three nodes); the `agent` cell loops `threads.create` + the wait that stops at `interrupt()` + the wait that
 * resumes it. Every result is checked. Only the wait calls are timed; runs/s counts whole iterations.
 * Loom's writes per run are the documents written, `serverStatus` `metrics.document` (inserted, updated, deleted)
 * of the `mongod` diffed around each Loom cell, divided by the iterations: they count every document a command
 * wrote, whether by `insert`, `update`, `findAndModify` (which `opcounters` files under "command", not "update")
 * or in a transaction. The opcounters and committed transactions are shown alongside. RSS is read from `/proc/<pid>/status` (`mongod`'s from `serverStatus`), sampled every 250 ms during a cell
 * (peak) and 3 s after a server's last cell ("after load"); CPU time per run from `/proc/<pid>/stat`.
 *
 * Usage: `npm run bench:runs [-- --duration=15 --warmup=2 --no-peer --no-agent --only=lg,peer --clients=32]`. Output: a table, ratios, and as
 * the last line one JSON object (`runs_per_s_c32`, `peer_runs_per_s_c32`, `floor_runs_per_s_c32`, `p50_ms`,
 * `p99_ms`, `rss_after_mb`, ...). Targets are reported, not asserted. Every process started is stopped by its pid.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { type Db, MongoClient } from "mongodb";
import { ensurePeerInstalled, freePort, peerCommand, peerDir, peerVersions } from "../scripts/peer.js";
import { type LaunchedMongo, launchMongo } from "../src/mongod/launcher.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argNum = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split("=")[1]) : fallback;
};
const DURATION_S = argNum("duration", 15);
const WARMUP_S = argNum("warmup", 2);
/** `--clients=32`: only that concurrency for the `loom`, `floor` and `peer` cells (default both 8 and 32). */
const CLIENTS: readonly number[] = process.argv.some((a) => a.startsWith("--clients="))
  ? [argNum("clients", 32)]
  : [8, 32];
const WITH_PEER_FLAG = !process.argv.includes("--no-peer");
/**
 * `--only=a,b`: run only these cells (`loom`: Loom's engine on `breakpoints` at 8 and 32 clients; `lg`: the hosted
 * LangGraph.js twin; `agent`; `floor`; `peer`), e.g. `--only=lg,peer` for LangGraph.js on Loom beside the dev server.
 */
const ONLY = (() => {
  const hit = process.argv.find((a) => a.startsWith("--only="));
  return hit ? new Set(hit.slice("--only=".length).split(",")) : null;
})();
const wants = (cell: "loom" | "lg" | "agent" | "floor" | "peer") => ONLY === null || ONLY.has(cell);
const WITH_AGENT = !process.argv.includes("--no-agent") && wants("agent");
/** `--observability` (or `BENCH_OBSERVABILITY=1`): only the cost of metrics and tracing, see {@link observability}. */
const OBSERVABILITY = process.argv.includes("--observability") || process.env.BENCH_OBSERVABILITY === "1";
const ROUNDS = argNum("rounds", 3);
const PEER_WORKERS = 10;
const WITH_PEER = WITH_PEER_FLAG && wants("peer");
/** Idle time after a server's last cell before its "after load" RSS is read. */
const SETTLE_MS = 3000;

/**
 * `breakpoints`: Loom's own engine (on the peer: its LangGraph.js twin, the only kind it runs); `lg_breakpoints`:
 * the LangGraph.js twin hosted by Loom (`examples/langgraphjs/breakpoints.ts`); `agent`: interrupt + resume pairs.
 */
type Scenario = "breakpoints" | "lg_breakpoints" | "agent";
interface Cell {
  contender: "loom" | "peer" | "floor";
  scenario: Scenario;
  clients: number;
  iterations: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  runsPerS: number;
  p50: number;
  p99: number;
  peakRssMb: number | null;
  /** CPU time per iteration (ms): the server process, mongod, this bench process (the clients). */
  cpuMsPerRun: { server: number | null; mongod: number | null; client: number };
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function quantile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** Resident set size of a process in MB, from `/proc/<pid>/status`; null when it is gone or unreadable. */
function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) of a process in ms, from `/proc/<pid>/stat`; null when unreadable. */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state): utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A child process this bench started; `stop()` ends it by pid (SIGTERM, then SIGKILL after a grace period). */
class Child {
  readonly proc: ChildProcess;
  private output = "";
  private exited: Promise<void>;
  exitInfo: string | null = null;

  constructor(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.proc = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    live.add(this);
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-8000);
    };
    this.proc.stdout?.on("data", keep);
    this.proc.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
        live.delete(this);
        resolve();
      });
      this.proc.once("error", (error) => {
        this.exitInfo = `spawn failed: ${error.message}`;
        live.delete(this);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** The last lines it printed. */
  tail(lines = 12): string {
    return this.output.trim().split("\n").slice(-lines).join("\n");
  }

  /** Resolves with the first match of `pattern` in its output, or rejects when it exits or the time is up. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.exitInfo) throw new Error(`exited (${this.exitInfo}) before it was ready:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(100);
    }
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (this.exitInfo || this.pid === undefined) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
const live = new Set<Child>();

/** Polls `url` until it answers 2xx. */
async function waitHttp(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitInfo) throw new Error(`exited (${child.exitInfo}) before it was ready:\n${child.tail()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms:\n${child.tail()}`);
    await sleep(100);
  }
}

/** One iteration of a client: returns the wait latencies (ms); throws on a wrong result. */
type Iteration = () => Promise<number[]>;

function sdkIteration(sdk: Client, scenario: Scenario): Iteration {
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const value = await fn();
    return [value, performance.now() - t0];
  };
  if (scenario === "breakpoints" || scenario === "lg_breakpoints") {
    return async () => {
      const thread = await sdk.threads.create();
      const [values, ms] = await timed(() =>
        sdk.runs.wait(thread.thread_id, scenario, { input: { messages: ["bench"] } }),
      );
      const messages = (values as { messages?: unknown }).messages;
      if (!Array.isArray(messages) || messages.join() !== "bench,node_a,node_b,node_c") {
        throw new Error(`breakpoints: unexpected result ${JSON.stringify(values).slice(0, 200)}`);
      }
      return [ms];
    };
  }
  return async () => {
    const thread = await sdk.threads.create();
    const [first, ms1] = await timed(() =>
      sdk.runs.wait(thread.thread_id, "agent", { input: { some_text: "original text" } }),
    );
    const interrupts = (first as { __interrupt__?: unknown }).__interrupt__;
    if (!Array.isArray(interrupts) || interrupts.length !== 1) {
      throw new Error(`agent: expected one interrupt, got ${JSON.stringify(first).slice(0, 200)}`);
    }
    const [second, ms2] = await timed(() =>
      sdk.runs.wait(thread.thread_id, "agent", { command: { resume: "Edited text" } }),
    );
    if ((second as { some_text?: unknown }).some_text !== "Edited text") {
      throw new Error(`agent resume: unexpected result ${JSON.stringify(second).slice(0, 200)}`);
    }
    return [ms1, ms2];
  };
}

/**
 * Runs `clients` loops of `make(i)()` for `seconds`. Iterations started before the deadline finish and count;
 * the rate divides by the time until the last one finished. Samples the RSS of `pid` every 250 ms.
 */
async function drive(
  clients: number,
  seconds: number,
  make: (clientIndex: number) => Iteration,
  pid?: number,
  mongodPid?: number,
): Promise<Omit<Cell, "contender" | "scenario" | "clients">> {
  const latencies: number[] = [];
  let iterations = 0;
  let errors = 0;
  let firstError: string | null = null;
  let peak = rssMb(pid);
  const sampler = setInterval(() => {
    const now = rssMb(pid);
    if (now !== null && (peak === null || now > peak)) peak = now;
  }, 250);
  const cpu0 = { server: cpuMs(pid), mongod: cpuMs(mongodPid), client: process.cpuUsage() };
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const iteration = make(i);
      while (performance.now() < deadline) {
        try {
          latencies.push(...(await iteration()));
          iterations++;
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message ?? String(error);
          if (errors > 50 && iterations === 0) return; // the server is down: stop hammering it
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const perRun = (a: number | null, b: number | null) =>
    a === null || b === null || iterations === 0 ? null : round((b - a) / iterations, 2);
  const clientCpu = process.cpuUsage(cpu0.client);
  const now = rssMb(pid);
  if (now !== null && (peak === null || now > peak)) peak = now;
  latencies.sort((a, b) => a - b);
  return {
    iterations,
    errors,
    firstError,
    seconds: round(elapsed, 2),
    runsPerS: round(iterations / elapsed),
    p50: round(quantile(latencies, 0.5), 2),
    p99: round(quantile(latencies, 0.99), 2),
    peakRssMb: peak,
    cpuMsPerRun: {
      server: perRun(cpu0.server, cpuMs(pid)),
      mongod: perRun(cpu0.mongod, cpuMs(mongodPid)),
      client: round((clientCpu.user + clientCpu.system) / 1000 / Math.max(1, iterations), 2),
    },
  };
}

interface Counters {
  insert: number;
  update: number;
  delete: number;
  docInserted: number;
  docUpdated: number;
  docDeleted: number;
  commits: number;
  /** Every command `mongod` received (opcounters of every kind: insert, query, update, delete, getmore, command). */
  commands: number;
}

async function counters(admin: Db): Promise<Counters> {
  const s = await admin.command({ serverStatus: 1 });
  return {
    insert: Number(s.opcounters.insert),
    update: Number(s.opcounters.update),
    delete: Number(s.opcounters.delete),
    docInserted: Number(s.metrics.document.inserted),
    docUpdated: Number(s.metrics.document.updated),
    docDeleted: Number(s.metrics.document.deleted),
    commits: Number(s.transactions?.totalCommitted ?? 0),
    commands: ["insert", "query", "update", "delete", "getmore", "command"].reduce(
      (sum, k) => sum + Number(s.opcounters[k] ?? 0),
      0,
    ),
  };
}

const diffPer = (a: Counters, b: Counters, n: number): Counters =>
  Object.fromEntries(
    Object.keys(a).map((k) => [
      k,
      round((b[k as keyof Counters] - a[k as keyof Counters]) / Math.max(1, n), 2),
    ]),
  ) as unknown as Counters;

/** Documents written (inserted + updated + deleted) in a per-run diff. */
const docWrites = (c: Counters): number => round(c.docInserted + c.docUpdated + c.docDeleted, 2);

async function mongodRssMb(admin: Db): Promise<number | null> {
  const s = await admin.command({ serverStatus: 1 });
  return typeof s.mem?.resident === "number" ? s.mem.resident : null;
}

/** The floor: per iteration, `inserts` insertOne, then `updates` updateOne and `deletes` deleteOne, in sequence. */
function floorIteration(
  db: Db,
  clientIndex: number,
  mix: { inserts: number; updates: number; deletes: number },
) {
  const coll = db.collection<{ _id: string; [key: string]: unknown }>("floor");
  const prefix = `${clientIndex}-${randomUUID()}`;
  let n = 0;
  const payload = { values: { messages: ["bench", "node_a", "node_b", "node_c"] }, note: "x".repeat(300) };
  return async (): Promise<number[]> => {
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < mix.inserts; i++) {
      const _id = `${prefix}-${n++}`;
      ids.push(_id);
      await coll.insertOne({ _id, step: i, created_at: new Date(), ...payload });
    }
    for (let i = 0; i < mix.updates; i++) {
      await coll.updateOne(
        { _id: ids[i % Math.max(1, ids.length)] ?? `${prefix}-none` },
        { $set: { status: `s${i}`, updated_at: new Date() } },
        { upsert: ids.length === 0 },
      );
    }
    for (let i = 0; i < mix.deletes; i++) {
      await coll.deleteOne({ _id: ids[i] ?? `${prefix}-none` });
    }
    return [performance.now() - t0];
  };
}

/** `npm run build`, as `npm start` runs it before `node dist/src/main.js`; throws with tsc's errors on failure. */
function buildLoom(): void {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["run", "-s", "build"], { cwd: root, encoding: "utf8", timeout: 300_000 });
  if (result.status !== 0) {
    const lines = `${result.stdout ?? ""}\n${result.stderr ?? ""}`.split("\n").filter((l) => l.trim() !== "");
    throw new Error(
      `npm run build failed (${result.error?.message ?? `exit ${result.status}`}): ${lines.slice(0, 6).join(" | ")}`,
    );
  }
}

function fmtCell(c: Cell): string {
  const n = (x: number | null, w: number, d = 1) =>
    (x === null || Number.isNaN(x) ? "-" : x.toFixed(d)).padStart(w);
  const unit = c.scenario === "agent" ? "pairs" : "runs";
  return [
    c.contender.padEnd(6),
    c.scenario.padEnd(14),
    String(c.clients).padStart(7),
    `${n(c.runsPerS, 9)} ${unit}/s`.padEnd(17),
    n(c.p50, 9, 2),
    n(c.p99, 9, 2),
    String(c.iterations).padStart(7),
    String(c.errors).padStart(6),
    n(c.peakRssMb, 9),
    `${n(c.cpuMsPerRun.server, 6, 2)} ${n(c.cpuMsPerRun.mongod, 6, 2)} ${n(c.cpuMsPerRun.client, 6, 2)}`,
  ].join("  ");
}

/** A variant of the Loom process for `--observability`: what it measures and traces. */
interface Variant {
  name: "both off" | "metrics on" | "metrics + tracing";
  env: Record<string, string>;
}

/**
 * `--observability`: the throughput cost of metrics and tracing at 32 clients (`breakpoints`). Three Loom
 * processes, one at a time: metrics and tracing off (`LOOM_METRICS=false`), metrics on with tracing off (the
 * default), and metrics on with tracing exporting over OTLP/HTTP to a no-op collector this bench runs (it answers
 * 200 to every export and drops it). The variants alternate for `--rounds` rounds (default 3), each a fresh
 * process warmed up for `--warmup` s and measured for `--duration` s, so drift of a shared machine spreads over
 * all of them; the median runs/s per variant and the ratios to "both off" are printed.
 */
async function observability(mongoUri: string, tmp: string): Promise<void> {
  const collector = http.createServer((req, res) => {
    let bytes = 0;
    req.on("data", (c: Buffer) => {
      bytes += c.length;
    });
    req.on("end", () => {
      collector.emit("exported", bytes);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  let exports = 0;
  collector.on("exported", () => {
    exports++;
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const collectorUrl = `http://127.0.0.1:${(collector.address() as net.AddressInfo).port}`;
  const variants: Variant[] = [
    { name: "both off", env: { LOOM_METRICS: "false" } },
    { name: "metrics on", env: {} },
    { name: "metrics + tracing", env: { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl } },
  ];
  const results = new Map<Variant["name"], Cell[]>(variants.map((v) => [v.name, []]));
  console.log(
    `\nobservability cost: breakpoints, 32 clients, ${ROUNDS} rounds × ${variants.length} variants, ` +
      `${DURATION_S} s each (the machine may be shared: compare medians)`,
  );
  try {
    for (let pass = 1; pass <= ROUNDS; pass++) {
      for (const variant of variants) {
        const port = await freePort();
        const loom = new Child(process.execPath, ["dist/src/main.js"], {
          cwd: root,
          env: {
            ...process.env,
            HOST: "127.0.0.1",
            PORT: String(port),
            MONGODB_URI: mongoUri,
            LOOM_DB: `bench_obs_${pass}_${variant.name.replace(/\W+/g, "_")}`,
            LOOM_DATA_DIR: path.join(tmp, "loom-data"),
            LOG_LEVEL: "silent",
            ...variant.env,
          },
        });
        try {
          const url = `http://127.0.0.1:${port}`;
          await waitHttp(`${url}/ok`, loom, 60_000);
          const sdks = Array.from(
            { length: 32 },
            () => new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } }),
          );
          await drive(32, WARMUP_S, (i) => sdkIteration(sdks[i] as Client, "breakpoints"));
          const r = await drive(
            32,
            DURATION_S,
            (i) => sdkIteration(sdks[i] as Client, "breakpoints"),
            loom.pid,
          );
          const cell: Cell = { contender: "loom", scenario: "breakpoints", clients: 32, ...r };
          results.get(variant.name)?.push(cell);
          console.log(
            `round ${pass}  ${variant.name.padEnd(18)} ${String(cell.runsPerS).padStart(7)} runs/s  ` +
              `p50 ${cell.p50} ms  p99 ${cell.p99} ms  errors ${cell.errors}  server CPU ${cell.cpuMsPerRun.server} ms/run`,
          );
        } finally {
          await loom.stop();
        }
      }
    }
  } finally {
    await new Promise((resolve) => collector.close(resolve));
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] as number);
  };
  const med = Object.fromEntries(
    variants.map((v) => [v.name, median((results.get(v.name) ?? []).map((c) => c.runsPerS))]),
  ) as Record<Variant["name"], number>;
  // Server CPU per run moves less than runs/s on a machine shared with other work.
  const cpu = Object.fromEntries(
    variants.map((v) => [v.name, median((results.get(v.name) ?? []).map((c) => c.cpuMsPerRun.server ?? 0))]),
  ) as Record<Variant["name"], number>;
  const base = med["both off"];
  const cost = (name: Variant["name"]) => (base > 0 ? round((1 - med[name] / base) * 100, 1) : null);
  console.log(
    `median runs/s at 32 clients: both off ${base}, metrics on ${med["metrics on"]} ` +
      `(${cost("metrics on")} % cost; target ≤ 3 %), metrics + tracing ${med["metrics + tracing"]} ` +
      `(${cost("metrics + tracing")} % cost); ${exports} OTLP exports received`,
  );
  console.log(
    `median server CPU ms/run: both off ${cpu["both off"]}, metrics on ${cpu["metrics on"]}, ` +
      `metrics + tracing ${cpu["metrics + tracing"]}`,
  );
  console.log(
    JSON.stringify({
      observability: true,
      rounds: ROUNDS,
      duration_s: DURATION_S,
      runs_per_s_c32: med,
      ratio_metrics_on: base > 0 ? round(med["metrics on"] / base, 3) : null,
      ratio_metrics_tracing: base > 0 ? round(med["metrics + tracing"] / base, 3) : null,
      server_cpu_ms_per_run: cpu,
      metrics_cost_pct: cost("metrics on"),
      tracing_cost_pct: cost("metrics + tracing"),
      runs_per_s_all: Object.fromEntries(
        variants.map((v) => [v.name, (results.get(v.name) ?? []).map((c) => c.runsPerS)]),
      ),
    }),
  );
}

async function main(): Promise<void> {
  const cells: Cell[] = [];
  const rss: Record<string, number | null> = {};
  let writes: Counters | null = null;
  let writesC8: Counters | null = null;
  let writesAgent: Counters | null = null;
  let writesLg: Counters | null = null;
  let peerError: string | null = null;
  let peerInfo = "";
  let mongo: LaunchedMongo | null = null;
  let mongoClient: MongoClient | null = null;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "loom-bench-runs-"));
  const started = performance.now();
  const add = (
    contender: Cell["contender"],
    scenario: Scenario,
    clients: number,
    r: Awaited<ReturnType<typeof drive>>,
  ) => {
    const cell = { contender, scenario, clients, ...r };
    cells.push(cell);
    console.log(fmtCell(cell) + (r.firstError ? `   first error: ${r.firstError.slice(0, 160)}` : ""));
    return cell;
  };
  const header =
    "server  scenario        clients  throughput        wait p50  wait p99    iters  errors  peak RSS MB" +
    "  CPU ms/run: server mongod client";
  try {
    // ---- MongoDB (the embedded mongod, launched the way `npm start` does, in a temporary directory)
    mongo = await launchMongo({
      toolsRoot: root,
      ...(process.env.MONGOD_PATH ? { mongodPath: process.env.MONGOD_PATH } : {}),
      ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
    });
    mongoClient = await MongoClient.connect(mongo.uri);
    const admin = mongoClient.db("admin");
    const mongodPid = Number((await admin.command({ serverStatus: 1 })).pid);
    console.log(
      `bench:runs — ${DURATION_S} s per cell, warmup ${WARMUP_S} s; mongod ${mongo.version ?? "?"} (${mongo.source}); ` +
        `node ${process.version}; ${os.cpus().length} CPUs; load average ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")}`,
    );

    // ---- Loom, started as `npm start` starts it: build, then the compiled JavaScript under plain node.
    buildLoom();
    if (OBSERVABILITY) {
      await observability(mongo.uri, tmp);
      return;
    }
    const loomPort = await freePort();
    // BENCH_LOOM_NODE_ARGS: extra node flags for the Loom process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
    const extraNodeArgs = (process.env.BENCH_LOOM_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
    const loom = new Child(process.execPath, [...extraNodeArgs, "dist/src/main.js"], {
      cwd: root,
      env: {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: String(loomPort),
        MONGODB_URI: mongo.uri,
        LOOM_DB: "bench_runs",
        LOOM_DATA_DIR: path.join(tmp, "loom-data"),
        LOG_LEVEL: "silent",
      },
    });
    const loomUrl = `http://127.0.0.1:${loomPort}`;
    await waitHttp(`${loomUrl}/ok`, loom, 60_000);
    rss.loom_before = rssMb(loom.pid);
    rss.mongod_before = await mongodRssMb(admin);
    const loomSdks = Array.from(
      { length: 32 },
      () => new Client({ apiUrl: loomUrl, callerOptions: { maxRetries: 0 } }),
    );
    console.log(`\nloom: pid ${loom.pid}, ${loomUrl}, RSS ${rss.loom_before} MB at start\n${header}`);
    await drive(32, WARMUP_S, (i) =>
      sdkIteration(loomSdks[i] as Client, wants("loom") ? "breakpoints" : "lg_breakpoints"),
    );
    for (const clients of wants("loom") ? CLIENTS : []) {
      const before = await counters(admin);
      const r = add(
        "loom",
        "breakpoints",
        clients,
        await drive(
          clients,
          DURATION_S,
          (i) => sdkIteration(loomSdks[i] as Client, "breakpoints"),
          loom.pid,
          mongodPid,
        ),
      );
      const per = diffPer(before, await counters(admin), r.iterations + r.errors);
      if (clients === 32) writes = per;
      else writesC8 = per;
    }
    // The LangGraph.js twin of the same graph, hosted by the same Loom process (32 clients).
    if (wants("lg")) {
      const before = await counters(admin);
      const r = add(
        "loom",
        "lg_breakpoints",
        32,
        await drive(
          32,
          DURATION_S,
          (i) => sdkIteration(loomSdks[i] as Client, "lg_breakpoints"),
          loom.pid,
          mongodPid,
        ),
      );
      writesLg = diffPer(before, await counters(admin), r.iterations + r.errors);
    }
    if (WITH_AGENT) {
      const before = await counters(admin);
      const r = add(
        "loom",
        "agent",
        32,
        await drive(32, DURATION_S, (i) => sdkIteration(loomSdks[i] as Client, "agent"), loom.pid, mongodPid),
      );
      writesAgent = diffPer(before, await counters(admin), r.iterations + r.errors);
    }
    await sleep(SETTLE_MS);
    rss.loom_after = rssMb(loom.pid);
    rss.loom_peak = Math.max(
      rss.loom_after ?? 0,
      ...cells.filter((c) => c.contender === "loom").map((c) => c.peakRssMb ?? 0),
    );
    rss.mongod_after = await mongodRssMb(admin);
    await loom.stop();

    // ---- the floor: Loom's write count per run, by the raw driver
    const w = writes ?? writesC8;
    const mix = {
      inserts: Math.round(w?.docInserted ?? 0),
      updates: Math.round(w?.docUpdated ?? 0),
      deletes: Math.round(w?.docDeleted ?? 0),
    };
    const floorDb = mongoClient.db("bench_runs_floor");
    const withFloor = wants("floor") && w !== null;
    if (withFloor) {
      console.log(
        `\nfloor: per run ${mix.inserts} insertOne + ${mix.updates} updateOne + ${mix.deletes} deleteOne in sequence ` +
          `(Loom's documents written per run at 32 clients), default write concern\n${header}`,
      );
    }
    if (withFloor) await drive(32, Math.min(1, WARMUP_S), (i) => floorIteration(floorDb, i, mix));
    for (const clients of withFloor ? CLIENTS : []) {
      add(
        "floor",
        "breakpoints",
        clients,
        await drive(clients, DURATION_S, (i) => floorIteration(floorDb, i, mix), undefined, mongodPid),
      );
    }
    await mongoClient.close();
    mongoClient = null;
    await mongo.stop();
    mongo = null;

    // ---- the peer: LangGraph.js dev server, in-memory
    if (WITH_PEER) {
      let peer: Child | null = null;
      try {
        ensurePeerInstalled(console.log);
        const versions = peerVersions();
        const cmd = peerCommand(await freePort(), PEER_WORKERS);
        await rm(path.join(peerDir, ".langgraph_api"), { recursive: true, force: true });
        peer = new Child(process.execPath, cmd.args, { cwd: cmd.cwd, env: cmd.env });
        const ready = await peer.waitFor(cmd.ready, 120_000);
        const peerUrl = `http://${ready[1]}`;
        await waitHttp(`${peerUrl}/ok`, peer, 30_000);
        rss.peer_before = rssMb(peer.pid);
        peerInfo = Object.entries(versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ");
        console.log(
          `\npeer: pid ${peer.pid}, ${peerUrl}, ${peerInfo}, ${PEER_WORKERS} workers, in-memory; ` +
            `RSS ${rss.peer_before} MB at start\n${header}`,
        );
        const peerSdks = Array.from(
          { length: 32 },
          () => new Client({ apiUrl: peerUrl, callerOptions: { maxRetries: 0 } }),
        );
        await drive(32, WARMUP_S, (i) => sdkIteration(peerSdks[i] as Client, "breakpoints"));
        for (const clients of CLIENTS) {
          add(
            "peer",
            "breakpoints",
            clients,
            await drive(
              clients,
              DURATION_S,
              (i) => sdkIteration(peerSdks[i] as Client, "breakpoints"),
              peer.pid,
            ),
          );
        }
        if (WITH_AGENT) {
          add(
            "peer",
            "agent",
            32,
            await drive(32, DURATION_S, (i) => sdkIteration(peerSdks[i] as Client, "agent"), peer.pid),
          );
        }
        await sleep(SETTLE_MS);
        rss.peer_after = rssMb(peer.pid);
        rss.peer_peak = Math.max(
          rss.peer_after ?? 0,
          ...cells.filter((c) => c.contender === "peer").map((c) => c.peakRssMb ?? 0),
        );
      } catch (error) {
        peerError = (error as Error).message;
        console.log(`\npeer: could not be measured: ${peerError}`);
      } finally {
        await peer?.stop(5000);
        await rm(path.join(peerDir, ".langgraph_api"), { recursive: true, force: true });
      }
    } else {
      peerError = "skipped (--no-peer)";
    }
  } finally {
    await mongoClient?.close().catch(() => {});
    for (const child of live) await child.stop(5000);
    await mongo?.stop().catch(() => {});
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }

  // ---- summary
  const find = (contender: Cell["contender"], clients: number, scenario: Scenario = "breakpoints") =>
    cells.find((c) => c.contender === contender && c.clients === clients && c.scenario === scenario) ?? null;
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : null;
  console.log(
    `\nsummary (${round((performance.now() - started) / 1000)} s in all; load average now ` +
      `${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")})\n${header}`,
  );
  for (const c of cells) console.log(fmtCell(c));
  const w = writes;
  if (w) {
    console.log(
      `\nLoom's MongoDB writes per run (threads.create + runs.wait, 32 clients): documents ${w.docInserted} ` +
        `inserted + ${w.docUpdated} updated + ${w.docDeleted} deleted = ${docWrites(w)}; opcounters ${w.insert} ` +
        `insert + ${w.update} update + ${w.delete} delete; ${w.commits} transactions committed` +
        (writesC8 ? ` (8 clients: ${docWrites(writesC8)} documents)` : ""),
    );
  }
  if (w) console.log(`Loom's MongoDB commands per run (breakpoints, 32 clients, every kind): ${w.commands}`);
  if (writesLg) {
    const l = writesLg;
    console.log(
      `Loom's MongoDB per LangGraph.js run (lg_breakpoints, 32 clients): commands ${l.commands} (every kind), ` +
        `documents ${docWrites(l)} (${l.docInserted} inserted + ${l.docUpdated} updated + ${l.docDeleted} deleted), ` +
        `${l.commits} transactions committed`,
    );
  }
  if (writesAgent) {
    const a = writesAgent;
    console.log(
      `Loom's MongoDB writes per agent pair (threads.create + interrupt wait + resume wait): documents ` +
        `${docWrites(a)} (${a.docInserted} inserted + ${a.docUpdated} updated + ${a.docDeleted} deleted), ` +
        `${a.commits} transactions committed`,
    );
  }
  console.log(
    `RSS MB: loom ${rss.loom_before} at start → ${rss.loom_after} after load (peak ${rss.loom_peak}); ` +
      `mongod ${rss.mongod_before} → ${rss.mongod_after}` +
      (rss.peer_before !== undefined
        ? `; peer ${rss.peer_before} at start → ${rss.peer_after} after load (peak ${rss.peer_peak})`
        : ""),
  );
  const loom32 = find("loom", 32);
  const peer32 = find("peer", 32);
  const floor32 = find("floor", 32);
  const ratios: Record<string, number | null> = {};
  for (const clients of CLIENTS) {
    ratios[`loom_vs_peer_c${clients}`] = ratio(
      find("loom", clients)?.runsPerS,
      find("peer", clients)?.runsPerS,
    );
    ratios[`loom_vs_floor_c${clients}`] = ratio(
      find("loom", clients)?.runsPerS,
      find("floor", clients)?.runsPerS,
    );
  }
  // LangGraph.js hosted by Loom against the same LangGraph.js graph on the dev server, and against Loom's engine.
  ratios.loom_lg_vs_peer_c32 = ratio(
    find("loom", 32, "lg_breakpoints")?.runsPerS,
    find("peer", 32)?.runsPerS,
  );
  ratios.loom_lg_vs_loom_c32 = ratio(
    find("loom", 32, "lg_breakpoints")?.runsPerS,
    find("loom", 32)?.runsPerS,
  );
  ratios.loom_vs_peer_agent_c32 = ratio(
    find("loom", 32, "agent")?.runsPerS,
    find("peer", 32, "agent")?.runsPerS,
  );
  console.log(
    `ratios: Loom/peer runs/s ${ratios.loom_vs_peer_c8 ?? "-"}× at 8 clients, ${ratios.loom_vs_peer_c32 ?? "-"}× at 32` +
      ` (agent pairs ${ratios.loom_vs_peer_agent_c32 ?? "-"}×); Loom/floor ${ratios.loom_vs_floor_c8 ?? "-"}× at 8,` +
      ` ${ratios.loom_vs_floor_c32 ?? "-"}× at 32`,
  );
  const lg32 = find("loom", 32, "lg_breakpoints");
  console.log(
    `LangGraph.js on Loom (lg_breakpoints, 32 clients): ${lg32?.runsPerS ?? "-"} runs/s = ` +
      `${ratios.loom_lg_vs_peer_c32 ?? "-"}× the dev server, ${ratios.loom_lg_vs_loom_c32 ?? "-"}× Loom's engine; ` +
      `server CPU ms/run ${lg32?.cpuMsPerRun.server?.toFixed(2) ?? "-"} (Loom's engine ` +
      `${loom32?.cpuMsPerRun.server?.toFixed(2) ?? "-"})`,
  );
  if (peerError) console.log(`peer: not measured — ${peerError}`);
  const verdict = (ok: boolean | null) => (ok === null ? "n/a" : ok ? "met" : "NOT met");
  const lp = ratios.loom_vs_peer_c32 ?? null;
  const lf = ratios.loom_vs_floor_c32 ?? null;
  console.log(
    `targets (reported, not asserted): Loom ≥ 20× peer at 32 clients: ${verdict(lp === null ? null : lp >= 20)}; ` +
      `≥ 0.5× floor: ${verdict(lf === null ? null : lf >= 0.5)}; p99 < 100 ms: ` +
      `${verdict(loom32 ? loom32.p99 < 100 : null)}; LangGraph.js on Loom ≥ 5× peer: ` +
      `${verdict(ratios.loom_lg_vs_peer_c32 == null ? null : ratios.loom_lg_vs_peer_c32 >= 5)}; RSS < 200 MB after load: ` +
      `${verdict(rss.loom_after == null ? null : rss.loom_after < 200)}`,
  );
  console.log(
    JSON.stringify({
      bench: "runs",
      duration_s: DURATION_S,
      runs_per_s_c32: loom32?.runsPerS ?? null,
      peer_runs_per_s_c32: peer32?.runsPerS ?? null,
      floor_runs_per_s_c32: floor32?.runsPerS ?? null,
      p50_ms: loom32?.p50 ?? null,
      p99_ms: loom32?.p99 ?? null,
      rss_after_mb: rss.loom_after ?? null,
      runs_per_s_c8: find("loom", 8)?.runsPerS ?? null,
      peer_runs_per_s_c8: find("peer", 8)?.runsPerS ?? null,
      floor_runs_per_s_c8: find("floor", 8)?.runsPerS ?? null,
      p50_ms_c8: find("loom", 8)?.p50 ?? null,
      p99_ms_c8: find("loom", 8)?.p99 ?? null,
      peer_p50_ms_c32: peer32?.p50 ?? null,
      peer_p99_ms_c32: peer32?.p99 ?? null,
      floor_p50_ms_c32: floor32?.p50 ?? null,
      lg_runs_per_s_c32: lg32?.runsPerS ?? null,
      lg_p50_ms_c32: lg32?.p50 ?? null,
      lg_cpu_ms_per_run_c32: lg32?.cpuMsPerRun.server ?? null,
      cpu_ms_per_run_c32: loom32?.cpuMsPerRun.server ?? null,
      agent_pairs_per_s_c32: find("loom", 32, "agent")?.runsPerS ?? null,
      peer_agent_pairs_per_s_c32: find("peer", 32, "agent")?.runsPerS ?? null,
      rss_before_mb: rss.loom_before ?? null,
      rss_peak_mb: rss.loom_peak ?? null,
      mongod_rss_after_mb: rss.mongod_after ?? null,
      peer_rss_before_mb: rss.peer_before ?? null,
      peer_rss_after_mb: rss.peer_after ?? null,
      writes_per_run: w ? docWrites(w) : null,
      writes_per_agent_pair: writesAgent ? docWrites(writesAgent) : null,
      commands_per_run_c32: w?.commands ?? null,
      lg_commands_per_run_c32: writesLg?.commands ?? null,
      lg_writes_per_run_c32: writesLg ? docWrites(writesLg) : null,
      errors: cells.reduce((a, c) => a + c.errors, 0),
      ...ratios,
      peer_error: peerError,
    }),
  );
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const child of live) child.proc.kill("SIGKILL");
    process.exit(130);
  });
}

main().catch(async (error: unknown) => {
  console.error(error);
  for (const child of live) await child.stop(5000);
  process.exit(1);
});
