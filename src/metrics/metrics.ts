/**
 * Loom's Prometheus metrics (docs/operations.md "Metrics"): one prom-client `Registry` per app, so several apps
 * in one process (tests, benchmarks) never share or clash on a metric. It implements the runtime's `RunMetrics`
 * and takes request and MongoDB command observations from `./requests.ts` and `./mongo-commands.ts`.
 *
 * Every label is bounded: protocol (4 values), RPC method or REST route template (fixed by the protos), code,
 * graph id (the served graphs), run status, MongoDB command name. Never a run, thread or assistant id, nor a raw
 * path.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RunMetrics } from "../runtime/metrics.js";
import type { RunStatus } from "../store/records.js";

/** The protocol of a request on the one port. */
export type RequestProtocol = "grpc" | "grpc-web" | "connect" | "rest";

/** What the metrics read at scrape time. */
export interface MetricsSources {
  /** Pending runs in the shared queue (all replicas), e.g. `RunQueueStore.countPending`. */
  pendingRuns(): Promise<number>;
  /** Runs executing in this process (`RunRuntime.executing`). */
  executingRuns(): number;
}

/** Options of {@link createLoomMetrics}. */
export interface LoomMetricsOptions {
  /** Default process metrics (`process_*`, `nodejs_*`, prom-client's `collectDefaultMetrics`). @default true */
  processMetrics?: boolean;
}

/** The metrics of one app. */
export interface LoomMetrics extends RunMetrics {
  /** The app's registry (not prom-client's global one). */
  readonly registry: Registry;
  /** Connects the scrape-time gauges to their sources (the runtime exists after the metrics). Call once. */
  setSources(sources: MetricsSources): void;
  /** One finished request: `method` is an RPC (`pkg.Service/Method`) or a REST route template. */
  requestEnded(protocol: RequestProtocol, method: string, code: string, seconds: number): void;
  /** One MongoDB command answered (`outcome` `success`) or failed (`failure`), from command monitoring. */
  mongoCommand(command: string, outcome: "success" | "failure", seconds: number): void;
  /** The change stream was reopened after a failure or an end. */
  changeStreamReconnected(): void;
  /** The exposition text (Prometheus text format 0.0.4) and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Request latencies: 1 ms … 60 s (a `runs/wait` lasts as long as its run). */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Run durations and queue waits: 5 ms … 10 min. */
const RUN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** MongoDB commands: 0.25 ms … 5 s (a change stream's `getMore` waits up to 1 s for changes). */
const MONGO_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** A scrape does not wait longer than this for the queue count (MongoDB unreachable: the last value stays). */
const PENDING_TIMEOUT_MS = 2000;

/** Creates the metrics and their registry. */
export function createLoomMetrics(options: LoomMetricsOptions = {}): LoomMetrics {
  const registry = new Registry();
  const registers = [registry];
  let sources: MetricsSources | undefined;

  const requests = new Counter({
    name: "loom_requests_total",
    help: "Requests served, by protocol, RPC method or REST route template, and code (gRPC code name; HTTP status for REST).",
    labelNames: ["protocol", "method", "code"] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: "loom_request_duration_seconds",
    help: "Request latency from its arrival to the end of its response, streams included.",
    labelNames: ["protocol", "method", "code"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const runsCreated = new Counter({
    name: "loom_runs_created_total",
    help: "Runs created by this process.",
    labelNames: ["graph_id"] as const,
    registers,
  });
  const runsEnded = new Counter({
    name: "loom_runs_ended_total",
    help: "Runs ended by this process, by final status.",
    labelNames: ["graph_id", "status"] as const,
    registers,
  });
  const runSeconds = new Histogram({
    name: "loom_run_duration_seconds",
    help: "Execution time of the runs this process ended (a reclaimed run: its last attempt).",
    labelNames: ["graph_id", "status"] as const,
    buckets: RUN_BUCKETS,
    registers,
  });
  const queueWaitSeconds = new Histogram({
    name: "loom_run_queue_wait_seconds",
    help: "Time from a run becoming available to the start of its first execution here.",
    buckets: RUN_BUCKETS,
    registers,
  });
  new Gauge({
    name: "loom_runs_pending",
    help: "Runs pending in the shared queue (all replicas), counted in MongoDB at scrape time.",
    registers,
    async collect() {
      if (!sources) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(resolve, PENDING_TIMEOUT_MS, undefined);
      });
      const count = await Promise.race([sources.pendingRuns().catch(() => undefined), timeout]);
      clearTimeout(timer);
      if (count !== undefined) this.set(count);
    },
  });
  new Gauge({
    name: "loom_runs_executing",
    help: "Runs executing in this process.",
    registers,
    collect() {
      if (sources) this.set(sources.executingRuns());
    },
  });
  const reclaims = new Counter({
    name: "loom_lease_reclaims_total",
    help: "Runs this process claimed after their lease expired (their worker died or stalled).",
    registers,
  });
  const reconnects = new Counter({
    name: "loom_change_stream_reconnects_total",
    help: "Times the MongoDB change stream was reopened after a failure or an end.",
    registers,
  });
  const mongoSeconds = new Histogram({
    name: "loom_mongodb_command_duration_seconds",
    help: "MongoDB command latency by command name and outcome (driver command monitoring; needs monitorCommands).",
    labelNames: ["command", "outcome"] as const,
    buckets: MONGO_BUCKETS,
    registers,
  });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    setSources(s) {
      sources = s;
    },
    requestEnded(protocol, method, code, seconds) {
      const labels = { protocol, method, code };
      requests.inc(labels);
      requestSeconds.observe(labels, seconds);
    },
    mongoCommand(command, outcome, seconds) {
      mongoSeconds.observe({ command, outcome }, seconds);
    },
    changeStreamReconnected: () => reconnects.inc(),
    runCreated(graphId) {
      runsCreated.inc({ graph_id: graphId });
    },
    runStarted(queueWait) {
      if (queueWait !== undefined) queueWaitSeconds.observe(queueWait);
    },
    runEnded(graphId: string, status: RunStatus, seconds: number | undefined) {
      runsEnded.inc({ graph_id: graphId, status });
      if (seconds !== undefined) runSeconds.observe({ graph_id: graphId, status }, seconds);
    },
    leaseReclaimed: () => reclaims.inc(),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
