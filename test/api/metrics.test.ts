/**
 * `GET /metrics` on the real server (real `mongod`, real clients), read with a Prometheus text-format parser:
 * the families and process metrics are there; run counters and histograms move by the right amounts across a
 * successful run, a failed run and cancels (running and queued); requests are counted by protocol (REST,
 * Connect, gRPC, gRPC-Web), RPC method or route template, and code, never with a raw id; MongoDB command
 * latencies appear on a client with command monitoring; a dropped database's change stream counts a reconnect;
 * a run whose process was killed counts a lease reclaim in the process that finishes it.
 */
import { randomBytes } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { MongoClient } from "mongodb";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { type LoomProcess, startLoom } from "../runtime/processes.js";
import { type Scrape, scrape } from "../support/metrics.js";
import { mongoUri } from "../support/mongo.js";
import { startTestServer } from "../support/server.js";
import { type ApiServer, call, startApiServer, startMonitoredApiServer } from "./support.js";

let server: ApiServer;
let B: string;
/** Every thread id this file creates: none may appear in a label. */
const ids: string[] = [];

beforeAll(async () => {
  server = await startApiServer("api_metrics");
  B = server.baseUrl;
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

async function newThread(): Promise<string> {
  const id = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
  ids.push(id);
  return id;
}

/** Scrapes until `ready(scrape)` holds (the runtime reports some ends just after the response). */
async function scrapeUntil(baseUrl: string, what: string, ready: (s: Scrape) => boolean): Promise<Scrape> {
  let last: Scrape | undefined;
  for (let i = 0; i < 200; i++) {
    last = await scrape(baseUrl);
    if (ready(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`metrics never showed ${what}:\n${last?.text}`);
}

/** `after − before` of one series. */
function delta(before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number {
  return after.value(name, labels) - before.value(name, labels);
}

describe("GET /metrics", () => {
  it("answers the Prometheus text format with Loom's families and the process metrics", async () => {
    const s = await scrape(B);
    const types = Object.fromEntries(s.families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      loom_requests_total: "COUNTER",
      loom_request_duration_seconds: "HISTOGRAM",
      loom_runs_pending: "GAUGE",
      loom_runs_executing: "GAUGE",
      loom_lease_reclaims_total: "COUNTER",
      loom_change_stream_reconnects_total: "COUNTER",
      process_cpu_user_seconds_total: "COUNTER",
      nodejs_eventloop_lag_seconds: "GAUGE",
    });
    // Families with labels and no series yet are announced too (HELP and TYPE lines).
    for (const name of [
      "loom_runs_created_total",
      "loom_runs_ended_total",
      "loom_run_duration_seconds",
      "loom_run_queue_wait_seconds",
      "loom_mongodb_command_duration_seconds",
    ]) {
      expect(s.text).toContain(`# TYPE ${name} `);
    }
    expect(s.value("loom_runs_pending")).toBe(0);
    expect(s.value("loom_runs_executing")).toBe(0);
    // The test database's client has no command monitoring: no MongoDB latencies.
    expect(s.value("loom_mongodb_command_duration_seconds_count")).toBe(0);
    // HEAD answers the headers only; other verbs are refused.
    const head = await fetch(`${B}/metrics`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await fetch(`${B}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("is absent when the app is built with metrics off", async () => {
    const off = await startTestServer("api_metrics_off", { metrics: false });
    try {
      expect((await fetch(`${off.baseUrl}/metrics`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe("run metrics", () => {
  it("a successful run: created +1, ended success +1, one duration and one queue wait", async () => {
    const tid = await newThread();
    const before = await scrape(B);
    const r = await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "slow", input: { ms: 20 } });
    expect(r.status).toBe(200);
    const after = await scrapeUntil(
      B,
      "the run's end",
      (s) => delta(before, s, "loom_runs_ended_total", { graph_id: "slow" }) >= 1,
    );
    expect(delta(before, after, "loom_runs_created_total", { graph_id: "slow" })).toBe(1);
    expect(delta(before, after, "loom_runs_ended_total", { graph_id: "slow", status: "success" })).toBe(1);
    expect(delta(before, after, "loom_runs_ended_total")).toBe(1);
    const duration = { graph_id: "slow", status: "success" };
    expect(delta(before, after, "loom_run_duration_seconds_count", duration)).toBe(1);
    expect(delta(before, after, "loom_run_duration_seconds_sum", duration)).toBeGreaterThanOrEqual(0.02);
    expect(delta(before, after, "loom_run_queue_wait_seconds_count")).toBe(1);
    expect(after.value("loom_runs_executing")).toBe(0);
    expect(
      delta(before, after, "loom_requests_total", {
        protocol: "rest",
        method: "POST /threads/{thread_id}/runs/wait",
        code: "200",
      }),
    ).toBe(1);
  });

  it("a failed run ends error", async () => {
    const tid = await newThread();
    const before = await scrape(B);
    const r = await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "fails", input: {} });
    expect((r.body as Obj).__error__).toBeDefined();
    const after = await scrapeUntil(
      B,
      "the failed run's end",
      (s) => delta(before, s, "loom_runs_ended_total", { graph_id: "fails" }) >= 1,
    );
    expect(delta(before, after, "loom_runs_created_total", { graph_id: "fails" })).toBe(1);
    expect(delta(before, after, "loom_runs_ended_total", { graph_id: "fails", status: "error" })).toBe(1);
    expect(delta(before, after, "loom_runs_ended_total", { graph_id: "fails", status: "success" })).toBe(0);
    expect(
      delta(before, after, "loom_run_duration_seconds_count", { graph_id: "fails", status: "error" }),
    ).toBe(1);
  });

  it("cancels: a queued run is pending until cancelled, a running one executing until cancelled", async () => {
    const tid = await newThread();
    const before = await scrape(B);
    const running = (
      await call(B, "POST", `/threads/${tid}/runs`, { assistant_id: "slow", input: { ms: 10_000 } })
    ).body as Obj;
    await scrapeUntil(B, "the run executing", (s) => s.value("loom_runs_executing") === 1);
    const queued = (
      await call(B, "POST", `/threads/${tid}/runs`, {
        assistant_id: "slow",
        input: { ms: 10 },
        multitask_strategy: "enqueue",
      })
    ).body as Obj;
    expect(queued.status).toBe("pending");
    let s = await scrape(B);
    expect(s.value("loom_runs_pending")).toBe(1);
    expect(delta(before, s, "loom_runs_created_total", { graph_id: "slow" })).toBe(2);

    // The queued run first (else it would start when the running one ends).
    const interrupted = { graph_id: "slow", status: "interrupted" };
    expect((await call(B, "POST", `/threads/${tid}/runs/${queued.run_id}/cancel`)).status).toBe(204);
    s = await scrapeUntil(
      B,
      "the queued run's end",
      (x) => delta(before, x, "loom_runs_ended_total", interrupted) === 1,
    );
    expect(s.value("loom_runs_pending")).toBe(0);
    // A run that never executed has no duration.
    expect(delta(before, s, "loom_run_duration_seconds_count", interrupted)).toBe(0);

    const cancel = await call(
      B,
      "POST",
      `/threads/${tid}/runs/${running.run_id}/cancel?wait=1&action=interrupt`,
    );
    expect(cancel.status).toBe(204);
    const after = await scrapeUntil(
      B,
      "the running run's end",
      (x) => delta(before, x, "loom_runs_ended_total", interrupted) === 2,
    );
    expect(after.value("loom_runs_executing")).toBe(0);
    expect(delta(before, after, "loom_run_duration_seconds_count", interrupted)).toBe(1);
    expect(delta(before, after, "loom_runs_ended_total")).toBe(2);
    expect(
      delta(before, after, "loom_requests_total", {
        protocol: "rest",
        method: "POST /threads/{thread_id}/runs/{run_id}/cancel",
        code: "204",
      }),
    ).toBe(2);
  });
});

describe("request metrics", () => {
  it("counts requests by protocol, method (never a raw path) and code", async () => {
    const missing = uuidv4();
    ids.push(missing);
    const before = await scrape(B);
    expect((await call(B, "GET", `/threads/${missing}`)).status).toBe(404);
    expect((await call(B, "GET", `/no/such/${missing}`)).status).toBe(404);
    const transports = {
      connect: createConnectTransport({ baseUrl: B, httpVersion: "1.1" }),
      grpc: createGrpcTransport({ baseUrl: B }),
      "grpc-web": createGrpcWebTransport({ baseUrl: B, httpVersion: "1.1" }),
    };
    for (const transport of Object.values(transports)) {
      const threads = createClient(ThreadsService, transport);
      const error = await threads.get({ threadId: missing }).catch((e: unknown) => ConnectError.from(e));
      expect((error as ConnectError).code).toBe(Code.NotFound);
      ids.push((await threads.create({})).threadId);
    }
    const after = await scrape(B);
    const count = (labels: Record<string, string>) => delta(before, after, "loom_requests_total", labels);
    expect(count({ protocol: "rest", method: "GET /threads/{thread_id}", code: "404" })).toBe(1);
    expect(count({ protocol: "rest", method: "other", code: "404" })).toBe(1);
    for (const protocol of Object.keys(transports)) {
      expect(count({ protocol, method: "loom.v1.ThreadsService/Get", code: "NotFound" })).toBe(1);
      expect(count({ protocol, method: "loom.v1.ThreadsService/Create", code: "OK" })).toBe(1);
    }
    // The histogram counts the same requests.
    const labels = { protocol: "grpc", method: "loom.v1.ThreadsService/Get", code: "NotFound" };
    expect(delta(before, after, "loom_request_duration_seconds_count", labels)).toBe(1);
    expect(count({ protocol: "rest", method: "GET /metrics", code: "200" })).toBe(1);

    // No label carries an id, nor a path the server does not serve.
    for (const id of ids) expect(after.text).not.toContain(id);
    const methods = new Set(after.labelSets("loom_requests_total").map((l) => l.method));
    for (const method of methods) expect(method).toMatch(/^(other|[A-Z]+ \/[^?]*|[\w.]+\/\w+)$/);
  });
});

describe("MongoDB and change stream metrics", () => {
  it("a client with command monitoring reports command latencies; a dropped database reconnects the stream", async () => {
    const monitored = await startMonitoredApiServer("api_metrics_mon", () => undefined);
    try {
      expect((await call(monitored.baseUrl, "POST", "/threads", {})).status).toBe(200);
      const s = await scrape(monitored.baseUrl);
      expect(s.value("loom_mongodb_command_duration_seconds_count", { outcome: "success" })).toBeGreaterThan(
        0,
      );
      expect(
        s.value("loom_mongodb_command_duration_seconds_count", { command: "insert", outcome: "success" }),
      ).toBeGreaterThanOrEqual(1);
      for (const l of s.labelSets("loom_mongodb_command_duration_seconds")) {
        expect(l.command).toMatch(/^\w+$/);
      }
      expect(s.value("loom_change_stream_reconnects_total")).toBe(0);
      // Dropping the database invalidates the change stream; the watcher reopens it.
      await monitored.db.dropDatabase();
      await scrapeUntil(
        monitored.baseUrl,
        "a reconnect",
        (x) => x.value("loom_change_stream_reconnects_total") >= 1,
      );
    } finally {
      await monitored.close();
    }
  });
});

describe("lease reclaims", () => {
  const dbName = `api_metrics_reclaim_${randomBytes(6).toString("hex")}`;
  const processes: LoomProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop("SIGKILL")));
    const client = await MongoClient.connect(mongoUri());
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it("a run whose process was killed is reclaimed and ended by the next process, which counts both", async () => {
    const env = { LOOM_LEASE_MS: "3000" };
    const a = await startLoom({ mongoUri: mongoUri(), dbName, env });
    processes.push(a);
    const tid = ((await call(a.url, "POST", "/threads", {})).body as Obj).thread_id as string;
    const run = (
      await call(a.url, "POST", `/threads/${tid}/runs`, { assistant_id: "slow", input: { ms: 1500 } })
    ).body as Obj;
    await scrapeUntil(a.url, "the run executing", (s) => s.value("loom_runs_executing") === 1);
    expect((await scrape(a.url)).value("loom_runs_created_total", { graph_id: "slow" })).toBe(1);
    await a.stop("SIGKILL");

    const b = await startLoom({ mongoUri: mongoUri(), dbName, env });
    processes.push(b);
    const s = await scrapeUntil(
      b.url,
      "the reclaimed run's end",
      (x) => x.value("loom_runs_ended_total", { graph_id: "slow", status: "success" }) === 1,
    );
    expect(s.value("loom_lease_reclaims_total")).toBe(1);
    expect(s.value("loom_runs_created_total")).toBe(0);
    // A second attempt has no queue wait; its duration is its own execution.
    expect(s.value("loom_run_queue_wait_seconds_count")).toBe(0);
    expect(s.value("loom_run_duration_seconds_count", { graph_id: "slow", status: "success" })).toBe(1);
    // `src/main.ts` connects with command monitoring.
    expect(
      s.value("loom_mongodb_command_duration_seconds_count", { command: "findAndModify" }),
    ).toBeGreaterThan(0);
    const final = (await call(b.url, "GET", `/threads/${tid}/runs/${run.run_id}`)).body as Obj;
    expect(final).toMatchObject({ status: "success" });
    await b.stop("SIGKILL");
  }, 60_000);
});
