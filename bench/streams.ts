/**
 * `npm run bench:streams`: what idle waiters cost (docs/benchmarks.md). N SSE join streams, then N gRPC `JoinStream` calls,
 * held on one pending run of one Loom process, doing nothing.
 *
 * Loom is started as `npm start` starts it: `npm run build` once, then `node dist/src/main.js` as a child process
 * (`LOG_LEVEL=silent`, 127.0.0.1, a free port) on a `mongod` started by the project's launcher in a temporary
 * directory (`MONGODB_URI`). Per phase (`sse`, then `grpc`), on a fresh thread with a run delayed by an hour
 * (`after_seconds`, so it stays `pending`):
 * 1. open N streams (SSE: `GET .../runs/{id}/stream`, one HTTP/1.1 connection each; gRPC: `JoinStream` over
 *    connect-node h2c transports of 100 calls each) and wait until each has its `metadata` part;
 * 2. 7 s of settling (the heap relief's collections; Loom's CPU in them is reported apart), then the idle window
 *    (`--idle` s): `mongod` operations per second (`serverStatus` opcounters, all kinds, diffed; the bench's own
 *    two `serverStatus` calls subtracted), Loom's CPU (`/proc/<pid>/stat`, % of one core);
 * 3. `/ok` latency: 200 sequential `GET /ok` (each pings MongoDB, so this comes after the ops window);
 * 4. RSS held (`/proc/<pid>/status`), per stream against the RSS before the phase;
 * 5. fan-out: one event inserted into `run_events` for the run, as the worker of another replica appends it,
 *    stamped with the time; latency = arrival at each stream − that time (p50/p99/max over the N streams);
 * 6. cancel: the pending run is cancelled; time until every stream has ended;
 * 7. RSS 5 s after the streams closed.
 * The targets (docs/benchmarks.md) are printed next to the figures with their ratio (figure / target; ≤ 1 meets it).
 * The clients run in the bench process, so fan-out latency includes their own parsing of N messages.
 *
 * Usage: `npm run bench:streams [-- --n=2000 --idle=10]` (`--n=10000` needs `ulimit -n` above 2 × n + 100 for
 * the bench and Loom; the limit is printed). Output: a table, then one JSON line. Every process started is
 * stopped by its pid.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createParser } from "eventsource-parser";
import { type Db, MongoClient } from "mongodb";
import { RunsService } from "../gen/ts/loom/v1/runs_pb.js";
import { launchMongo } from "../src/mongod/launcher.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split("=")[1]) : fallback;
};
const N = arg("n", 2000);
const IDLE_S = arg("idle", 10);
/** Time between the last stream's opening and the idle window, in ms (see the heap relief, docs/operations.md). */
const SETTLE_MS = 7000;
const DB = "bench_streams";

/** The idle-stream targets (a figure at or under its target meets it). */
const TARGETS = {
  ops_per_s: 5,
  cpu_pct: 5,
  ok_p99_ms: 20,
  kb_per_stream: 40,
  rss_after_delta_mb: 20,
  fanout_p99_ms: 250,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x: number) => Math.round(x * 100) / 100;

function quantile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN);
}

function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return round(Number(match?.[1]) / 1024);
}

/** CPU time (user + system) in ms from `/proc/<pid>/stat` (fields 14 and 15, 100 ticks per second). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function opcounters(admin: Db): Promise<number> {
  const s = await admin.command({ serverStatus: 1 });
  const o = s.opcounters as Record<string, number>;
  return ["insert", "query", "update", "delete", "getmore", "command"].reduce(
    (n, k) => n + Number(o[k] ?? 0),
    0,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** One held stream: when its metadata came, when the fan-out event came (ms after its stamp), when it ended. */
interface Held {
  opened: Promise<void>;
  fanoutMs: number | undefined;
  ended: Promise<void>;
  close(): void;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

function openSse(url: string): Held {
  const opened = deferred();
  const ended = deferred();
  const held: Held = {
    opened: opened.promise,
    fanoutMs: undefined,
    ended: ended.promise,
    close: () => undefined,
  };
  const parser = createParser({
    onEvent(e) {
      if (e.event === "metadata") opened.resolve();
      if (e.event === "custom") held.fanoutMs = Date.now() - (JSON.parse(e.data) as { t: number }).t;
    },
  });
  const req = http.get(url, { agent }, (res) => {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => parser.feed(chunk));
    res.on("end", ended.resolve);
    res.on("error", ended.resolve);
  });
  req.on("error", () => {
    opened.resolve();
    ended.resolve();
  });
  held.close = () => req.destroy();
  return held;
}

function openGrpc(
  runs: ReturnType<typeof createClient<typeof RunsService>>,
  threadId: string,
  runId: string,
): Held {
  const opened = deferred();
  const abort = new AbortController();
  const held: Held = {
    opened: opened.promise,
    fanoutMs: undefined,
    ended: Promise.resolve(),
    close: () => abort.abort(),
  };
  held.ended = (async () => {
    try {
      for await (const part of runs.joinStream({ threadId, runId }, { signal: abort.signal })) {
        if (part.event === "metadata") opened.resolve();
        if (part.event === "custom" && part.data) {
          held.fanoutMs = Date.now() - (toJson(ValueSchema, part.data) as { t: number }).t;
        }
      }
    } catch {
      // closed by the bench
    } finally {
      opened.resolve();
    }
  })();
  return held;
}

interface PhaseResult {
  kind: "sse" | "grpc";
  n: number;
  open_s: number;
  /** Loom's CPU in the settling time after the openings (the heap relief's collections), ms. */
  settle_cpu_ms: number;
  ops_per_s: number;
  cpu_pct: number;
  ok_p50_ms: number;
  ok_p99_ms: number;
  rss_start_mb: number;
  rss_held_mb: number;
  kb_per_stream: number;
  fanout_p50_ms: number;
  fanout_p99_ms: number;
  fanout_max_ms: number;
  fanout_missing: number;
  cancel_end_ms: number;
  rss_after_mb: number;
  rss_after_delta_mb: number;
}

async function phase(
  kind: "sse" | "grpc",
  url: string,
  pid: number,
  db: Db,
  admin: Db,
): Promise<PhaseResult> {
  const post = async (route: string, body: unknown) =>
    (await fetch(url + route, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as Record<string, string>;
  const threadId = (await post("/threads", {})).thread_id as string;
  const run = await post(`/threads/${threadId}/runs`, {
    assistant_id: "breakpoints",
    input: {},
    stream_resumable: true,
    after_seconds: 3600,
  });
  const runId = run.run_id as string;
  if (run.status !== "pending") throw new Error(`the run is not pending: ${JSON.stringify(run)}`);
  await sleep(2000);
  const rssStart = rssMb(pid);

  const startOpen = Date.now();
  const held: Held[] = [];
  if (kind === "sse") {
    for (let i = 0; i < N; i++) held.push(openSse(`${url}/threads/${threadId}/runs/${runId}/stream`));
  } else {
    let runs = createClient(RunsService, createGrpcTransport({ baseUrl: url }));
    for (let i = 0; i < N; i++) {
      if (i % 100 === 0) runs = createClient(RunsService, createGrpcTransport({ baseUrl: url }));
      held.push(openGrpc(runs, threadId, runId));
    }
  }
  await Promise.all(held.map((h) => h.opened));
  const openS = round((Date.now() - startOpen) / 1000);
  // The heap relief's full collections (at most four, a second apart, from 1 s after the last opening) are a cost
  // of the burst of openings, not of idling: the window starts once they are over.
  const cpuSettle0 = cpuMs(pid);
  await sleep(SETTLE_MS);
  const settleCpuMs = cpuMs(pid) - cpuSettle0;

  // Idle window: nothing but the streams (and their heartbeats).
  const ops0 = await opcounters(admin);
  const cpu0 = cpuMs(pid);
  const t0 = Date.now();
  await sleep(IDLE_S * 1000);
  const elapsedS = (Date.now() - t0) / 1000;
  const cpuPct = round(((cpuMs(pid) - cpu0) / (elapsedS * 1000)) * 100);
  const ops = (await opcounters(admin)) - ops0 - 2;
  const okMs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    await fetch(`${url}/ok`).then((r) => r.text());
    okMs.push(performance.now() - s);
    await sleep(10);
  }
  const rssHeld = rssMb(pid);

  // Fan-out: an event appended by another replica's worker reaches every stream.
  await db.collection("run_events").insertOne({
    run_id: runId,
    seq: 0,
    event: "custom",
    data: { t: Date.now() },
    expire_at: new Date(Date.now() + 3600_000),
  });
  const fanDeadline = Date.now() + 30_000;
  while (held.some((h) => h.fanoutMs === undefined) && Date.now() < fanDeadline) await sleep(20);
  const fan = held.map((h) => h.fanoutMs).filter((x): x is number => x !== undefined);

  const cancelAt = Date.now();
  await fetch(`${url}/threads/${threadId}/runs/${runId}/cancel`, { method: "POST" });
  await Promise.race([Promise.all(held.map((h) => h.ended)), sleep(30_000)]);
  const cancelEndMs = Date.now() - cancelAt;
  for (const h of held) h.close();
  held.length = 0;
  await sleep(5000);
  const rssAfter = rssMb(pid);
  return {
    kind,
    n: N,
    open_s: openS,
    settle_cpu_ms: round(settleCpuMs),
    ops_per_s: round(ops / elapsedS),
    cpu_pct: cpuPct,
    ok_p50_ms: quantile(okMs, 0.5),
    ok_p99_ms: quantile(okMs, 0.99),
    rss_start_mb: rssStart,
    rss_held_mb: rssHeld,
    kb_per_stream: round(((rssHeld - rssStart) * 1024) / N),
    fanout_p50_ms: quantile(fan, 0.5),
    fanout_p99_ms: quantile(fan, 0.99),
    fanout_max_ms: quantile(fan, 1),
    fanout_missing: N - fan.length,
    cancel_end_ms: cancelEndMs,
    rss_after_mb: rssAfter,
    rss_after_delta_mb: round(rssAfter - rssStart),
  };
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "loom-bench-streams-"));
  const mongo = await launchMongo({
    toolsRoot: root,
    ...(process.env.MONGOD_PATH ? { mongodPath: process.env.MONGOD_PATH } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
  });
  let loom: ChildProcess | undefined;
  const client = await MongoClient.connect(mongo.uri);
  try {
    const admin = client.db("admin");
    const fdLimit = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim();
    console.log(
      `bench:streams — n=${N}, idle window ${IDLE_S} s; node ${process.version}; ${os.cpus().length} CPUs; ` +
        `load average ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")}; ulimit -n ${fdLimit}`,
    );
    const build = spawnSync("npm", ["run", "-s", "build"], { cwd: root, encoding: "utf8", timeout: 300_000 });
    if (build.status !== 0)
      throw new Error(`npm run build failed: ${build.stdout}${build.stderr}`.slice(0, 2000));
    const port = await freePort();
    loom = spawn(process.execPath, ["dist/src/main.js"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: String(port),
        MONGODB_URI: mongo.uri,
        LOOM_DB: DB,
        LOOM_DATA_DIR: path.join(tmp, "loom-data"),
        LOG_LEVEL: "silent",
      },
    });
    const pid = loom.pid as number;
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${url}/ok`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 600 || loom.exitCode !== null) throw new Error("Loom did not start");
      await sleep(100);
    }
    await sleep(2000);
    const results: PhaseResult[] = [];
    for (const kind of ["sse", "grpc"] as const) {
      results.push(await phase(kind, url, pid, client.db(DB), admin));
      const r = results.at(-1) as PhaseResult;
      console.log(`\n${kind}: ${N} idle streams on one pending run (opened in ${r.open_s} s)`);
      const row = (label: string, value: number, target?: number, unit = "") =>
        console.log(
          `  ${label.padEnd(34)} ${String(value).padStart(10)} ${unit.padEnd(6)}` +
            (target !== undefined ? ` target ≤ ${target} (ratio ${round(value / target)})` : ""),
        );
      row("mongod ops/s while idle", r.ops_per_s, TARGETS.ops_per_s);
      row(`Loom CPU in the ${SETTLE_MS / 1000} s after opening`, r.settle_cpu_ms, undefined, "ms");
      row("Loom CPU while idle", r.cpu_pct, TARGETS.cpu_pct, "%");
      row("/ok p50", r.ok_p50_ms, undefined, "ms");
      row("/ok p99", r.ok_p99_ms, TARGETS.ok_p99_ms, "ms");
      row("RSS before → held", r.rss_held_mb, undefined, "MB");
      row("RSS per held stream", r.kb_per_stream, TARGETS.kb_per_stream, "KB");
      row("RSS 5 s after close − before", r.rss_after_delta_mb, TARGETS.rss_after_delta_mb, "MB");
      row("fan-out of one event p50", r.fanout_p50_ms, undefined, "ms");
      row("fan-out of one event p99", r.fanout_p99_ms, TARGETS.fanout_p99_ms, "ms");
      row("fan-out max", r.fanout_max_ms, undefined, "ms");
      row("streams that missed the event", r.fanout_missing);
      row("cancel → every stream ended", r.cancel_end_ms, undefined, "ms");
    }
    console.log(JSON.stringify({ n: N, idle_s: IDLE_S, load: os.loadavg(), results }));
  } finally {
    if (loom && loom.exitCode === null) {
      loom.kill("SIGTERM");
      await new Promise((r) => loom?.once("exit", r));
    }
    await client.close();
    await mongo.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
