/**
 * Shared types of the run runtime: what it needs (stores, a resolver that turns a stored run back into a graph
 * and engine options, tuning) and what a finished run yields.
 */
import type { CheckpointStore, ItemStore, JsonObject, JsonValue, RunOptions } from "../engine/index.js";
import type { HostedGraph } from "../host/hosted-graph.js";
import type { LeaseFence, RunEventStore, RunQueueStore } from "../store/queue-store.js";
import type { RunRecord, RunStore, ThreadStore } from "../store/records.js";
import type { RunMetrics } from "./metrics.js";
import type { RunSignals } from "./signals.js";
import type { RunTracing } from "./tracing.js";
import type { WebhookDispatcher } from "./webhooks.js";

/** How to execute a run: its graph and engine options (without thread, signal, sink and run-id metadata). */
export interface RunPlan {
  graph: HostedGraph;
  options: Omit<RunOptions, "threadId" | "signal" | "onEvent" | "metadata">;
  /** Metadata for every checkpoint (`graph_id`, `assistant_id`, the run's primitive metadata). */
  metadata: Record<string, JsonValue>;
  /** A stateless run whose temporary thread is deleted when it ends (docs/api.md §5 `on_completion`). */
  deleteThreadAfter: boolean;
}

/** Rebuilds the plan of a stored run (from its kwargs and assistant), e.g. for a run claimed from the queue. */
export type RunResolver = (run: RunRecord) => Promise<RunPlan>;

/** How a run ended. */
export interface RunFinished {
  run: RunRecord;
  /** The wait body (DESIGN.md "runs/wait body"). */
  waitBody: JsonObject;
}

/** Tuning of the runtime (README "Configuration", src/config.ts). */
export interface RuntimeSettings {
  /** This process's worker id (lease owner). */
  owner: string;
  /** Runs claimed from the queue at once by this process (`LOOM_WORKERS`). */
  workers: number;
  /** Lease length; renewed every third of it (`LOOM_LEASE_MS`). */
  leaseMs: number;
  /** Executions of a run before it fails for good after lost leases (`LOOM_MAX_ATTEMPTS`). */
  maxAttempts: number;
  /**
   * How often the workers look for queued runs, and the fallback probe of the runs with waiters runs while the
   * change stream is down (`LOOM_POLL_MS`, `run-hubs.ts`).
   */
  pollMs: number;
  /**
   * A burst of this many waiters opened or closed, then a quiet second, runs two to four full garbage collections so the
   * process gives their memory back (`LOOM_HEAP_RELIEF_WAITERS`, `heap-relief.ts`); 0 never does.
   * @default 1000
   */
  heapReliefWaiters?: number;
}

/**
 * The one place of the runtime's defaults, used by `createApp` and by the environment's defaults
 * (`src/config.ts`): 8 workers, a 30 s lease, 3 attempts, a 1 s poll, a heap relief after 1,000 waiters.
 */
export const RUNTIME_DEFAULTS: Readonly<Omit<RuntimeSettings, "owner">> = {
  workers: 8,
  leaseMs: 30_000,
  maxAttempts: 3,
  pollMs: 1000,
  heapReliefWaiters: 1000,
};

/** What {@link RuntimeDeps.onOutage} reports. */
export type OutageEvent = "retrying" | "gave up";

/** Everything the runtime runs on. */
export interface RuntimeDeps {
  queue: RunQueueStore;
  events: RunEventStore;
  runs: RunStore;
  threads: ThreadStore;
  checkpoints: CheckpointStore;
  /**
   * The lease fence (docs/runs.md "Leases"): when given, every step write of an execution (checkpoints, pending
   * writes, events) goes through it and commits only while the execution's lease holds; a refused write stops the
   * execution at once. Absent: writes go to `checkpoints`/`events` unfenced (run end and renewal stay fenced).
   */
  fence?: LeaseFence;
  signals: RunSignals;
  resolve: RunResolver;
  settings: RuntimeSettings;
  /**
   * Whether a store error is transient (the database away for now, e.g. `isTransientMongoError`): a run retries
   * it while its lease holds, then gives the run back (docs/runs.md "MongoDB outages"). Default: none is.
   */
  isTransient?: (error: unknown) => boolean;
  /**
   * Hears a run meeting a database outage (for logging): `retrying` on the first transient failure of each spell of
   * retries, `gave up` when the execution gives the run back to the queue because of one (its lease lapsed).
   */
  onOutage?: (event: OutageEvent, error: unknown, runId: string) => void;
  /** Hears errors of runs executed in the background and of the worker loop (for logging). */
  onError?: (error: unknown, runId?: string) => void;
  /** Hears runs created, started and ended here, and lease reclaims (for metrics). @default none */
  metrics?: RunMetrics;
  /** Run, super-step and task spans; the creating request's trace stored on each run. @default none (off) */
  tracing?: RunTracing;
  /** The long-term memory store handed to every run's nodes (`RunOptions.store`, docs/store.md). @default none */
  items?: ItemStore;
  /** Delivers the webhooks of runs that end here (`webhooks.ts`). @default none: no webhook is sent */
  webhooks?: WebhookDispatcher;
}
