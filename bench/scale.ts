/**
 * `npm run bench:scale [-- --duration=10 --warmup=2 --clients=32 --processes=1,2,3]`: 1, 2 and 3 Loom processes
 * (compiled, as `npm start` runs them, `LOG_LEVEL=silent`) on one `mongod` the bench starts, `clients` loops of
 * `POST /threads` + `POST /threads/{id}/runs/wait` (the `breakpoints` graph, three nodes) spread round-robin over the
 * processes; a fresh database per cell. Reports runs/s, wait p50/p99 (ms), CPU ms per run of each Loom process and
 * of `mongod` (from `/proc/<pid>/stat`), then one JSON line. docs/scale.md shows the figures and what they mean.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { freePort } from "../scripts/peer.js";
import { launchMongo } from "../src/mongod/launcher.js";
import { postJson as post } from "../test/support/post-json.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const DURATION_S = Number(arg("duration", "10"));
const WARMUP_S = Number(arg("warmup", "2"));
const CLIENTS = Number(arg("clients", "32"));
const PROCESSES = arg("processes", "1,2,3").split(",").map(Number);

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) of a process in ms, from `/proc/<pid>/stat` (100 clock ticks per second). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function startLoom(mongoUri: string, db: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["dist/src/main.js"], {
    cwd: root,
    stdio: "ignore",
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      MONGODB_URI: mongoUri,
      LOOM_DB: db,
      LOG_LEVEL: "silent",
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Loom exited with ${child.exitCode}`);
    if ((await fetch(`${url}/ok`).catch(() => undefined))?.ok) return { url, child };
    if (Date.now() > deadline) throw new Error(`${url}/ok not ready after 60 s`);
    await sleep(100);
  }
}

/** `CLIENTS` loops for `seconds` over `urls`; returns the wait latencies (ms) and the errors. */
async function drive(urls: string[], seconds: number): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, k) => {
      const url = urls[k % urls.length] as string;
      while (performance.now() < deadline) {
        try {
          const tid = (await post(`${url}/threads`, {})).thread_id as string;
          const t0 = performance.now();
          const values = await post(`${url}/threads/${tid}/runs/wait`, {
            assistant_id: "breakpoints",
            input: { messages: ["bench"] },
          });
          latencies.push(performance.now() - t0);
          if ((values.messages as string[]).join() !== "bench,node_a,node_b,node_c")
            throw new Error("bad result");
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

interface Cell {
  processes: number;
  runs: number;
  errors: number;
  runsPerS: number;
  p50: number;
  p99: number;
  loomCpuMsPerRun: number[];
  mongodCpuMsPerRun: number;
}

async function main(): Promise<void> {
  const build = spawnSync("npm", ["run", "-s", "build"], { cwd: root, encoding: "utf8", timeout: 300_000 });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const mongo = await launchMongo({
    toolsRoot: root,
    ...(process.env.MONGOD_PATH ? { mongodPath: process.env.MONGOD_PATH } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
  });
  const client = await MongoClient.connect(mongo.uri);
  const mongodPid = Number((await client.db("admin").command({ serverStatus: 1 })).pid);
  console.log(
    `bench:scale — ${DURATION_S} s per cell (warmup ${WARMUP_S} s), ${CLIENTS} clients; mongod ${mongo.version}; ` +
      `node ${process.version}; ${os.cpus().length} CPUs; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
  );
  console.log("processes  runs/s   wait p50 ms  wait p99 ms  errors  CPU ms/run: each Loom | mongod");
  const cells: Cell[] = [];
  try {
    for (const n of PROCESSES) {
      const db = `bench_scale_${n}_${Date.now()}`;
      const looms = await Promise.all(Array.from({ length: n }, () => startLoom(mongo.uri, db)));
      try {
        const urls = looms.map((l) => l.url);
        await drive(urls, WARMUP_S);
        const pids = looms.map((l) => l.child.pid as number);
        const cpu0 = pids.map(cpuMs);
        const mongod0 = cpuMs(mongodPid);
        const t0 = performance.now();
        const { latencies, errors } = await drive(urls, DURATION_S);
        const elapsedS = (performance.now() - t0) / 1000;
        const runs = latencies.length;
        const cell: Cell = {
          processes: n,
          runs,
          errors,
          runsPerS: round(runs / elapsedS, 1),
          p50: round(latencies[Math.floor(runs * 0.5)] ?? Number.NaN, 1),
          p99: round(latencies[Math.min(runs - 1, Math.floor(runs * 0.99))] ?? Number.NaN, 1),
          loomCpuMsPerRun: pids.map((pid, i) =>
            round((cpuMs(pid) - (cpu0[i] as number)) / Math.max(1, runs)),
          ),
          mongodCpuMsPerRun: round((cpuMs(mongodPid) - mongod0) / Math.max(1, runs)),
        };
        cells.push(cell);
        console.log(
          `${String(n).padStart(9)}  ${String(cell.runsPerS).padStart(6)}  ${String(cell.p50).padStart(11)}  ` +
            `${String(cell.p99).padStart(11)}  ${String(errors).padStart(6)}  ${cell.loomCpuMsPerRun.join(" + ")} | ${cell.mongodCpuMsPerRun}`,
        );
      } finally {
        for (const l of looms) {
          l.child.kill("SIGTERM");
          await new Promise((r) => (l.child.exitCode !== null ? r(null) : l.child.once("exit", r)));
        }
        await client.db(db).dropDatabase();
      }
    }
  } finally {
    await client.close();
    await mongo.stop();
  }
  console.log(JSON.stringify({ bench: "scale", durationS: DURATION_S, clients: CLIENTS, cells }));
}

await main();
