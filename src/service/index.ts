/**
 * Builds Loom's API services over their dependencies: Threads, Runs and Assistants (plus the caller's extra
 * services such as Health), each wrapped once in the domain-error mapping. The result registers them on a
 * Connect router (whose handlers answer undecodable request bytes InvalidArgument) and hands the same
 * implementations to the REST bridge.
 */
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { AssistantsService } from "../../gen/ts/loom/v1/assistants_pb.js";
import { CronsService } from "../../gen/ts/loom/v1/crons_pb.js";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { StoreService } from "../../gen/ts/loom/v1/store_pb.js";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import type { CheckpointStore, ItemStore } from "../engine/index.js";
import type { GraphRegistry } from "../registry/registry.js";
import type { RunMetrics } from "../runtime/metrics.js";
import { createRunRuntime, type RunRuntime } from "../runtime/runtime.js";
import type { RunSignals } from "../runtime/signals.js";
import type { RunTracing } from "../runtime/tracing.js";
import type { RuntimeDeps, RuntimeSettings } from "../runtime/types.js";
import type { WebhookDispatcher } from "../runtime/webhooks.js";
import type { CronRecord, CronStore } from "../store/cron-store.js";
import type { LeaseFence, RunEventStore, RunQueueStore } from "../store/queue-store.js";
import type { AssistantStore, RunStore, ThreadStore } from "../store/records.js";
import { createAssistantsService } from "./assistants/service.js";
import { withAuthorization } from "./auth/enforce.js";
import type { Authenticator } from "./auth/types.js";
import { createCronFirer } from "./crons/fire.js";
import { createCronsService } from "./crons/service.js";
import { withDeadline } from "./deadline.js";
import { type InternalErrorListener, type TransientErrorTest, withErrorMapping } from "./errors.js";
import { withRequestSchemas } from "./request-schema.js";
import type { BoundService } from "./rest/bridge.js";
import { createRunResolver } from "./runs/plan.js";
import { createRunsService } from "./runs/service.js";
import { createStoreService } from "./store/service.js";
import { createThreadsService } from "./threads/service.js";
import { invalidArgumentOnUndecodable } from "./undecodable.js";

/** Storage and graphs the API services run on. */
export interface LoomServiceDeps {
  checkpoints: CheckpointStore;
  threads: ThreadStore;
  runs: RunStore;
  assistants: AssistantStore;
  /** The run queue and event log (shared by every replica). */
  queue: RunQueueStore;
  events: RunEventStore;
  /** Fences every step write of a run on its lease (MongoDB store); absent: writes are not fenced. */
  leaseFence?: LeaseFence;
  /** Wake-ups for the runtime (local, plus the change stream). */
  signals: RunSignals;
  /** Workers, leases, attempts, polling. */
  runtimeSettings: RuntimeSettings;
  registry: GraphRegistry;
  /** Server-side copy of a thread's checkpoints (MongoDB store); default: copy them one by one. */
  copyThreadCheckpoints?: (sourceThreadId: string, targetThreadId: string) => Promise<void>;
  /** Errors of runs that end abnormally in the background (for logging). */
  onRunError?: (error: unknown, runId: string) => void;
  /** The first transient store failure of each outage a run retries through (for logging). */
  onRunOutage?: RuntimeDeps["onOutage"];
  /** Errors that become Internal (500 / INTERNAL) in any RPC (for logging). */
  onInternalError?: InternalErrorListener;
  /** Hears the runtime's runs and lease reclaims (for metrics, `RunMetrics`). @default none */
  runMetrics?: RunMetrics;
  /** Traces of runs, super-steps and tasks (`RunTracing`, docs/operations.md "Traces"). @default none (off) */
  runTracing?: RunTracing;
  /** Sends the webhooks of runs ending here (`src/runtime/webhooks.ts`). @default none: no webhook is sent */
  webhooks?: WebhookDispatcher;
  /**
   * Tells a transient store error (the database away for now: `isTransientMongoError`): requests answer it with
   * Unavailable (503) and the runtime retries it while a run's lease holds (docs/runs.md "MongoDB outages").
   * Default: none is transient.
   */
  isTransientError?: TransientErrorTest;
  /**
   * Authenticates and authorizes every call of Threads, Runs and Assistants (`./auth/enforce.ts`,
   * docs/security.md "Authentication"); health and reflection stay open. @default none: every call is allowed
   */
  authenticator?: Authenticator;
  /** The long-term memory store: serves StoreService and reaches every run's nodes (docs/store.md). @default none */
  items?: ItemStore;
  /** Hears each call refused by authentication, with the RPC and the Connect code (for logging). */
  onUnauthenticated?: (rpc: string, code: number) => void;
  /** Scheduled runs: serves CronsService and gives `fireCron` (docs/crons.md). @default none */
  crons?: CronStore;
}

/** The built services. */
export interface LoomServices {
  /** Services with their implementations, for the REST bridge. */
  bound: BoundService[];
  /** Registers every service on a Connect router. */
  routes(router: ConnectRouter): void;
  /** The run runtime (`start()` once serving, `close()` on shutdown). */
  runtime: RunRuntime;
  /** Creates a claimed cron tick's run through the runs service (`./crons/fire.ts`); absent without `deps.crons`. */
  fireCron?: (cron: CronRecord, runId: string) => Promise<void>;
}

/**
 * Creates Threads, Runs and Assistants services, plus `extra` services given as `[descriptor, impl]`.
 */
export function createLoomServices(
  deps: LoomServiceDeps,
  extra: ReadonlyArray<{ service: DescService; impl: object }> = [],
): LoomServices {
  const runtime = createRunRuntime({
    queue: deps.queue,
    events: deps.events,
    runs: deps.runs,
    threads: deps.threads,
    checkpoints: deps.checkpoints,
    signals: deps.signals,
    resolve: createRunResolver(deps),
    settings: deps.runtimeSettings,
    ...(deps.runMetrics ? { metrics: deps.runMetrics } : {}),
    ...(deps.runTracing ? { tracing: deps.runTracing } : {}),
    ...(deps.leaseFence ? { fence: deps.leaseFence } : {}),
    ...(deps.items ? { items: deps.items } : {}),
    ...(deps.webhooks ? { webhooks: deps.webhooks } : {}),
    ...(deps.isTransientError ? { isTransient: deps.isTransientError } : {}),
    ...(deps.onRunOutage ? { onOutage: deps.onRunOutage } : {}),
    ...(deps.onRunError
      ? { onError: (error: unknown, runId?: string) => deps.onRunError?.(error, runId ?? "") }
      : {}),
  });
  // Request schema innermost (its refusal is an InvalidInputError to map), deadline inside, error mapping outside:
  // a deadline's reason is already a ConnectError and passes through.
  const wrap = <T extends object>(service: DescService, impl: T): T =>
    withErrorMapping(
      withDeadline(withRequestSchemas(service, impl)),
      deps.onInternalError,
      deps.isTransientError,
    );
  // Authorization runs before the request schema and the deadline, inside the error mapping, so its refusals get
  // their codes and an unauthenticated caller learns nothing about the request's shape.
  const { authenticator } = deps;
  const guarded = <T extends object>(service: DescService, impl: T): T => {
    const inner = withDeadline(withRequestSchemas(service, impl));
    return withErrorMapping(
      authenticator
        ? withAuthorization(service, inner, {
            ...deps,
            authenticator,
            ...(deps.onUnauthenticated ? { onUnauthenticated: deps.onUnauthenticated } : {}),
          })
        : inner,
      deps.onInternalError,
      deps.isTransientError,
    );
  };
  const runs = createRunsService({ ...deps, runtime });
  const { crons } = deps;
  const bound: BoundService[] = [
    { service: ThreadsService, impl: guarded(ThreadsService, createThreadsService({ ...deps, runtime })) },
    { service: RunsService, impl: guarded(RunsService, runs) },
    {
      service: AssistantsService,
      impl: guarded(AssistantsService, createAssistantsService({ ...deps, runtime })),
    },
    ...(deps.items
      ? [{ service: StoreService, impl: guarded(StoreService, createStoreService({ items: deps.items })) }]
      : []),
    ...(crons
      ? [{ service: CronsService, impl: guarded(CronsService, createCronsService({ ...deps, crons })) }]
      : []),
    ...extra.map((e) => ({
      service: e.service,
      impl: wrap(e.service, e.impl) as BoundService["impl"],
    })),
  ];
  return {
    bound,
    runtime,
    ...(crons ? { fireCron: createCronFirer({ runs, crons }) } : {}),
    routes(router) {
      for (const b of bound) {
        // biome-ignore lint/suspicious/noExplicitAny: each impl was built for its own descriptor above.
        router.service(b.service as any, b.impl as any);
      }
      // Undecodable request bytes answer InvalidArgument, not connect-es's Internal (./undecodable.ts).
      router.handlers.splice(0, router.handlers.length, ...router.handlers.map(invalidArgumentOnUndecodable));
    },
  };
}
