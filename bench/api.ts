/**
 * `npm run bench:api`: sequential `runs.wait` latency through the whole server.
 *
 * Scenarios, each through the official JS SDK over REST and through a connect-node gRPC (h2c) client:
 * - `breakpoints`: a fresh thread, one wait running node_a → node_b → node_c (no breakpoints).
 * - `agent_interrupt` / `agent_resume`: a fresh thread, a wait that stops at `interrupt()`, then the wait that
 *   resumes it with `command.resume`.
 * Then `auth`: the `breakpoints` wait against a second app with API-key auth on (`LOOM_API_KEYS`, the key in
 * `x-api-key` / gRPC metadata) beside the first (auth off), alternating calls so both see the same machine.
 * Then the API-key check alone (`authenticate` of one request against 5 configured keys, 100,000 times), whose
 * CPU per call is the overhead the end-to-end comparison cannot resolve below its noise.
 * Threads are created outside the timed section. MongoDB round trips are counted per timed call with the
 * driver's command monitoring (every command the server sends while the call runs).
 *
 * Usage: `npm run bench:api [-- --n=200 --warmup=20 --unjournaled --no-metrics --tracing --variants]`. `--no-metrics`
 * builds the app without Prometheus metrics (`createApp({metrics: false})`), to show what they cost; `--tracing`
 * switches OpenTelemetry traces on, exported over OTLP/HTTP to a no-op collector the bench runs in-process;
 * `--variants` (or `BENCH_VARIANTS=1`) runs the bench three times as child processes (both off, metrics on, metrics +
 * tracing) and prints their p50s side by side with the ratios to "both off". `--unjournaled` connects with
 * `{w: 1, journal: false}` to show how much of the latency is journal commits (not a setting to serve with). A `mongod` is started in a temporary directory by the
 * project's launcher (`MONGODB_URI` is not consulted: the figures are for the embedded database).
 * Output: tables, then one JSON line `{n, rest: {...}, grpc: {...}, mongo_round_trips_per_call: {...},
 * auth: {rest: {off, on, overhead_p50_ms}, grpc: {...}, check_alone_us}}`.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Client } from "@langchain/langgraph-sdk";
import { MongoClient } from "mongodb";
import { RunsService } from "../gen/ts/loom/v1/runs_pb.js";
import { ThreadsService } from "../gen/ts/loom/v1/threads_pb.js";
import { createApp } from "../src/app.js";
import { silentLogger } from "../src/logger.js";
import { launchMongo } from "../src/mongod/launcher.js";
import { loadGraphRegistry } from "../src/registry/load.js";
import { createApiKeyAuthenticator } from "../src/service/auth/api-keys.js";
import { startTracing } from "../src/tracing/setup.js";
import { LOOM_VERSION } from "../src/version.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split("=")[1]) : fallback;
};
const N = arg("n", 200);
const WARMUP = arg("warmup", 20);

type Scenario = "breakpoints" | "agent_interrupt" | "agent_resume";
interface Stats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: round(q(0.5)),
    p95: round(q(0.95)),
    p99: round(q(0.99)),
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

/** A client under test: creates a thread, runs one wait. */
interface Driver {
  newThread(): Promise<string>;
  wait(threadId: string, body: { assistant: string; input?: object; resume?: string }): Promise<unknown>;
}

/** `--variants`: this bench once per observability variant, each in a child process; p50 ratios to "both off". */
async function variants(): Promise<void> {
  const passed = process.argv
    .slice(2)
    .filter((a) => a.startsWith("--n=") || a.startsWith("--warmup=") || a === "--unjournaled");
  const runs: Array<{ name: string; flags: string[] }> = [
    { name: "both off", flags: ["--no-metrics"] },
    { name: "metrics on", flags: [] },
    { name: "metrics + tracing", flags: ["--tracing"] },
  ];
  const results: Array<{ name: string; json: Record<string, Record<string, { p50: number; p99: number }>> }> =
    [];
  for (const run of runs) {
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), ...passed, ...run.flags],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, BENCH_VARIANTS: "" },
      },
    );
    process.stdout.write(child.stdout);
    if (child.status !== 0) throw new Error(`${run.name}: exit ${child.status}\n${child.stderr}`);
    const last = child.stdout.trim().split("\n").at(-1) ?? "{}";
    results.push({ name: run.name, json: JSON.parse(last) });
  }
  const base = results[0]?.json;
  console.log("\nrunsWait p50 ms by variant (ratio to both off)");
  for (const client of ["rest", "grpc"] as const) {
    for (const scenario of ["breakpoints", "agent_interrupt", "agent_resume"]) {
      const b = base?.[client]?.[scenario]?.p50 ?? 0;
      const cols = results.map((r) => {
        const v = r.json[client]?.[scenario]?.p50 ?? 0;
        return `${r.name} ${v.toFixed(2)} (${b > 0 ? (v / b).toFixed(3) : "-"}×)`;
      });
      console.log(`${client.padEnd(5)} ${scenario.padEnd(16)} ${cols.join("   ")}`);
    }
  }
  console.log(
    JSON.stringify({
      variants: Object.fromEntries(results.map((r) => [r.name, { rest: r.json.rest, grpc: r.json.grpc }])),
    }),
  );
}

/** A collector that accepts OTLP/HTTP exports and drops them. */
async function noopCollector(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The SDK (REST) and connect-node gRPC drivers of the server at `baseUrl`, sending `apiKey` when given. */
function drivers(baseUrl: string, apiKey?: string): { rest: Driver; grpc: Driver } {
  const sdk = new Client({ apiUrl: baseUrl, apiKey: apiKey ?? null, callerOptions: { maxRetries: 0 } });
  const rest: Driver = {
    newThread: async () => (await sdk.threads.create()).thread_id,
    wait: (tid, b) =>
      sdk.runs.wait(
        tid,
        b.assistant,
        b.resume !== undefined
          ? { command: { resume: b.resume } }
          : { input: b.input as Record<string, unknown> },
      ),
  };
  const transport = createGrpcTransport({
    baseUrl,
    interceptors: apiKey
      ? [
          (next) => (req) => {
            req.header.set("x-api-key", apiKey);
            return next(req);
          },
        ]
      : [],
  });
  const threadsRpc = createClient(ThreadsService, transport);
  const runsRpc = createClient(RunsService, transport);
  const grpc: Driver = {
    newThread: async () => (await threadsRpc.create({})).threadId,
    wait: (tid, b) =>
      runsRpc.wait({
        threadId: tid,
        assistantId: b.assistant,
        ...(b.resume !== undefined
          ? { command: { resume: fromJson(ValueSchema, b.resume) } }
          : { input: fromJson(ValueSchema, b.input as never) }),
      }),
  };

  return { rest, grpc };
}

async function main(): Promise<void> {
  if (process.argv.includes("--variants") || process.env.BENCH_VARIANTS === "1") return variants();
  const tracingOn = process.argv.includes("--tracing");
  const collector = tracingOn ? await noopCollector() : undefined;
  const tracing = collector
    ? startTracing({
        exporters: ["otlp"],
        otlpTracesUrl: `${collector.url}/v1/traces`,
        serviceName: "loom-bench",
        serviceVersion: LOOM_VERSION,
      })
    : undefined;
  const mongo = await launchMongo({
    toolsRoot: root,
    ...(process.env.MONGOD_PATH ? { mongodPath: process.env.MONGOD_PATH } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
  });
  const unjournaled = process.argv.includes("--unjournaled");
  const metrics = !process.argv.includes("--no-metrics");
  const mongoClient = await MongoClient.connect(mongo.uri, {
    monitorCommands: true,
    ...(unjournaled ? { writeConcern: { w: 1, journal: false } } : {}),
  });
  let commands = 0;
  mongoClient.on("commandStarted", () => {
    commands++;
  });
  const registry = await loadGraphRegistry(path.join(root, "loom.json"));
  const app = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: mongoClient.db(`bench_api_${Date.now()}`),
    bodyLimitBytes: 10 * 1024 * 1024,
    registry,
    metrics,
    ...(tracing ? { tracerProvider: tracing.provider } : {}),
  });
  const address = await app.listen(0, "127.0.0.1");
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const apiKey = "bench-api-key";
  const authApp = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: mongoClient.db(`bench_api_auth_${Date.now()}`),
    bodyLimitBytes: 10 * 1024 * 1024,
    registry,
    metrics,
    apiKeys: [{ sha256Hex: createHash("sha256").update(apiKey).digest("hex"), identity: "bench" }],
  });
  const authAddress = await authApp.listen(0, "127.0.0.1");
  const plain = drivers(baseUrl);
  const withKey = drivers(`http://127.0.0.1:${authAddress.port}`, apiKey);
  const { rest, grpc } = plain;

  const roundTrips: Record<Scenario, number[]> = { breakpoints: [], agent_interrupt: [], agent_resume: [] };
  async function timed(
    scenario: Scenario,
    record: boolean,
    samples: Record<Scenario, number[]>,
    fn: () => Promise<unknown>,
  ) {
    const before = commands;
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    if (!record) return;
    samples[scenario].push(ms);
    roundTrips[scenario].push(commands - before);
  }

  async function measure(driver: Driver): Promise<Record<Scenario, Stats>> {
    const samples: Record<Scenario, number[]> = { breakpoints: [], agent_interrupt: [], agent_resume: [] };
    for (let i = 0; i < WARMUP + N; i++) {
      const record = i >= WARMUP;
      const t1 = await driver.newThread();
      await timed("breakpoints", record, samples, () =>
        driver.wait(t1, { assistant: "breakpoints", input: { messages: ["bench"] } }),
      );
      const t2 = await driver.newThread();
      await timed("agent_interrupt", record, samples, () =>
        driver.wait(t2, { assistant: "agent", input: { some_text: "original text" } }),
      );
      await timed("agent_resume", record, samples, () =>
        driver.wait(t2, { assistant: "agent", resume: "Edited text" }),
      );
    }
    return {
      breakpoints: stats(samples.breakpoints),
      agent_interrupt: stats(samples.agent_interrupt),
      agent_resume: stats(samples.agent_resume),
    };
  }

  const restStats = await measure(rest);
  const grpcStats = await measure(grpc);

  /** `breakpoints` waits, auth off and on alternately (the order swapped every call). */
  async function compareAuth(off: Driver, on: Driver) {
    const samples = { off: [] as number[], on: [] as number[] };
    for (let i = 0; i < WARMUP + N; i++) {
      const order = i % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
      for (const which of order) {
        const driver = which === "off" ? off : on;
        const tid = await driver.newThread();
        const t0 = performance.now();
        await driver.wait(tid, { assistant: "breakpoints", input: { messages: ["bench"] } });
        if (i >= WARMUP) samples[which].push(performance.now() - t0);
      }
    }
    const offStats = stats(samples.off);
    const onStats = stats(samples.on);
    return {
      off: offStats,
      on: onStats,
      overhead_p50_ms: Math.round((onStats.p50 - offStats.p50) * 100) / 100,
    };
  }
  /** µs of one API-key authentication (hash, constant-time compare with each of 5 keys), averaged. */
  async function authCheckAloneUs(): Promise<number> {
    const keys = Array.from({ length: 5 }, (_, i) => ({
      sha256: createHash("sha256").update(`key-${i}`).digest(),
      identity: `user-${i}`,
    }));
    const authenticator = createApiKeyAuthenticator(keys);
    const request = {
      url: "http://127.0.0.1/runs/wait",
      method: "POST",
      headers: new Headers({ "x-api-key": "key-3", "content-type": "application/json" }),
    };
    const calls = 100_000;
    for (let i = 0; i < 10_000; i++) await authenticator.authenticate(request);
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await authenticator.authenticate(request);
    return Math.round(((performance.now() - t0) * 1000 * 100) / calls) / 100;
  }
  const authRest = await compareAuth(plain.rest, withKey.rest);
  const authGrpc = await compareAuth(plain.grpc, withKey.grpc);
  const checkAloneUs = await authCheckAloneUs();
  const rt = Object.fromEntries(
    Object.entries(roundTrips).map(([k, v]) => [
      k,
      Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10,
    ]),
  );

  console.log(
    `runs.wait latency, ms (n=${N} sequential, warmup ${WARMUP}); mongod ${mongo.version ?? "?"} (${mongo.source})` +
      (unjournaled
        ? "; write concern {w: 1, journal: false}"
        : "; default write concern (majority, journaled)") +
      (metrics ? "; metrics on" : "; metrics off") +
      (tracing ? "; tracing on (OTLP to a no-op collector)" : "; tracing off"),
  );
  console.log("client        scenario          p50     p95     p99    mean   mongo round trips/call");
  for (const [name, st] of [
    ["rest (SDK)", restStats],
    ["grpc (h2c)", grpcStats],
  ] as const) {
    for (const [scenario, s] of Object.entries(st)) {
      const cols = [s.p50, s.p95, s.p99, s.mean].map((x) => x.toFixed(2).padStart(7)).join(" ");
      console.log(`${name.padEnd(13)} ${scenario.padEnd(16)} ${cols}   ${rt[scenario]}`);
    }
  }
  console.log("\nruns.wait (breakpoints) with API-key auth off / on, ms");
  console.log("client        auth     p50     p95     p99    mean");
  for (const [name, cmp] of [
    ["rest (SDK)", authRest],
    ["grpc (h2c)", authGrpc],
  ] as const) {
    for (const which of ["off", "on"] as const) {
      const s = cmp[which];
      const cols = [s.p50, s.p95, s.p99, s.mean].map((x) => x.toFixed(2).padStart(7)).join(" ");
      console.log(`${name.padEnd(13)} ${which.padEnd(4)} ${cols}`);
    }
    console.log(`${name.padEnd(13)} overhead p50 ${cmp.overhead_p50_ms.toFixed(2)} ms`);
  }
  console.log(`API-key check alone: ${checkAloneUs} µs per request (5 keys configured)`);
  const pick = (st: Record<Scenario, Stats>) =>
    Object.fromEntries(Object.entries(st).map(([k, s]) => [k, { p50: s.p50, p99: s.p99 }]));
  await app.close(2000);
  await authApp.close(2000);
  await mongoClient.close();
  await mongo.stop();
  await tracing?.shutdown();
  await collector?.close();
  console.log(
    JSON.stringify({
      n: N,
      unjournaled,
      metrics,
      tracing: tracingOn,
      rest: pick(restStats),
      grpc: pick(grpcStats),
      mongo_round_trips_per_call: rt,
      auth: {
        rest: { off: authRest.off.p50, on: authRest.on.p50, overhead_p50_ms: authRest.overhead_p50_ms },
        grpc: { off: authGrpc.off.p50, on: authGrpc.on.p50, overhead_p50_ms: authGrpc.overhead_p50_ms },
        check_alone_us: checkAloneUs,
      },
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
