/**
 * `createApp(deps)` builds Loom's request handler and server; `listen()` binds it. Nothing here reads
 * `process.env` or starts MongoDB: `src/main.ts` (or a test) does that and passes the pieces in.
 */
import type net from "node:net";
import { hostname } from "node:os";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { TracerProvider } from "@opentelemetry/api";
import type { Db } from "mongodb";
import { v4 as uuidv4 } from "uuid";
import { HealthService } from "../gen/ts/loom/v1/health_pb.js";
import type { ApiKeyConfig } from "./config.js";
import type { Logger } from "./logger.js";
import { createMetricsEndpoint, METRICS_PATH } from "./metrics/endpoint.js";
import { createLoomMetrics, type LoomMetrics } from "./metrics/metrics.js";
import { monitorMongoCommands } from "./metrics/mongo-commands.js";
import { createRequestMetrics, type RequestMetrics } from "./metrics/requests.js";
import type { AuthModule } from "./registry/auth-load.js";
import { createGraphRegistry, type GraphRegistry } from "./registry/registry.js";
import { createCronScheduler } from "./runtime/cron-scheduler.js";
import { isLoggedFailure, type PeriodicFailure, type PeriodicRecovery } from "./runtime/periodic.js";
import { createRunSignals } from "./runtime/signals.js";
import { createThreadSweeper } from "./runtime/thread-sweeper.js";
import { RUNTIME_DEFAULTS, type RuntimeSettings } from "./runtime/types.js";
import { createWebhookDispatcher, type WebhookSettings } from "./runtime/webhooks.js";
import { createApiDocsHandler } from "./server/api-docs.js";
import { withCors } from "./server/cors.js";
import { exposureWarning } from "./server/exposure.js";
import { withGrpcMessageEncoding } from "./server/grpc-message.js";
import { createHostGuard } from "./server/host-guard.js";
import { createOnePortServer, type NodeHandler, type OnePortOptions } from "./server/one-port.js";
import { createStaticHandler } from "./server/static-files.js";
import { ensureSystemAssistants } from "./service/assistants/resolve.js";
import { createApiKeyAuthenticator } from "./service/auth/api-keys.js";
import { createCustomAuthenticator } from "./service/auth/custom.js";
import type { Authenticator } from "./service/auth/types.js";
import { createGrpcHealth } from "./service/grpc/health.js";
import { createReflectionServices } from "./service/grpc/reflection.js";
import { createHealthService } from "./service/health.js";
import { createLoomServices } from "./service/index.js";
import { type BoundService, createRestBridge } from "./service/rest/bridge.js";
import { buildOpenApiDocument } from "./service/rest/openapi.js";
import { buildRouteTable } from "./service/rest/routes.js";
import { createAssistantCache } from "./store/assistant-cache.js";
import { createMongoChangeWatcher } from "./store/mongo/change-watcher.js";
import { createMongoStore, isTransientMongoError } from "./store/mongo/index.js";
import { traceMongoCommands } from "./tracing/mongo-commands.js";
import { createRequestTracing } from "./tracing/requests.js";
import { createRunTracing } from "./tracing/runs.js";

/** Everything the app needs, built by the caller. */
export interface AppDeps {
  logger: Logger;
  /** Loom's version string (GET /info). */
  version: string;
  /**
   * The database Loom uses. The app never closes it; the caller owns the client. MongoDB command latencies
   * (`loom_mongodb_command_duration_seconds`) need its client connected with `monitorCommands: true`.
   */
  db: Db;
  /** Largest request body in bytes. */
  bodyLimitBytes: number;
  /** Served graphs (from `loom.json`, see `loadGraphRegistry`). @default no graphs */
  registry?: GraphRegistry;
  /** Interval of SSE heartbeat comments on streamed runs. @default 5000 */
  sseHeartbeatMs?: number;
  /** Interval of `\n` keep-alives on a REST `runs/wait` or `join` that takes longer than it. @default 5000 */
  waitKeepAliveMs?: number;
  /**
   * Directory of the built thread explorer (`npm run build` writes `<project>/dist/ui`), served at `/ui`.
   * @default not served
   */
  uiDir?: string;
  /**
   * `LOOM_ALLOWED_HOSTS`: host names served beside the loopback ones (see `createHostGuard`, docs/security.md).
   * @default [] (on a loopback address only `localhost`, `127.0.0.1`, `[::1]`)
   */
  allowedHosts?: readonly string[];
  /**
   * How often an open `grpc.health.v1.Health/Watch` pings MongoDB to see a change of status.
   * @default 2000
   */
  healthWatchPollMs?: number;
  /**
   * Prometheus metrics at `GET /metrics` and the instrumentation behind them (docs/operations.md "Metrics").
   * Off: no `/metrics` route (404) and nothing measured. @default true
   */
  metrics?: boolean;
  /**
   * OpenTelemetry traces (docs/operations.md "Traces"): a span per request, run, super-step, node and MongoDB
   * command (the client connected with `monitorCommands: true`), from this provider (`src/tracing/setup.ts`, or a
   * test's). Trace context propagation uses the global propagator, so register the provider
   * (`provider.register()`). @default none: nothing traced
   */
  tracerProvider?: TracerProvider;
  /**
   * Custom auth: the `Auth` object `loom.json` names (`loadAuthModule`, docs/security.md "Custom auth").
   * @default none
   */
  auth?: AuthModule;
  /**
   * `LOOM_API_KEYS`: SHA-256 (hex) of each accepted key with its identity (docs/security.md "API keys"). With `auth`
   * too, the keys authenticate only when the module has no `authenticate` handler. @default none
   * @throws Error from `createApp` when both name an authenticator
   */
  apiKeys?: readonly ApiKeyConfig[];
  /**
   * `LOOM_CORS_ORIGINS`: origins browsers may call from; `"*"` any (docs/security.md "CORS").
   * @default `"*"` with auth on (as the LangGraph servers), pages on a loopback host only without auth
   */
  corsOrigins?: readonly string[] | "*";
  /**
   * Deadlines for slow clients and the cap on open connections (see `OnePortOptions`, docs/operations.md
   * "Connection limits"). @default the one-port server's defaults, no connection cap
   */
  connections?: Pick<
    OnePortOptions,
    "headersTimeoutMs" | "requestTimeoutMs" | "h2IdleTimeoutMs" | "maxConnections"
  >;
  /** Run queue tuning (README "Configuration", src/config.ts); each absent one is `RUNTIME_DEFAULTS`'s. */
  runtime?: Partial<Omit<RuntimeSettings, "owner">>;
  /** Webhook delivery tuning (`LOOM_WEBHOOK_*`); each absent one is `WEBHOOK_DEFAULTS`'s. */
  webhooks?: Partial<WebhookSettings>;
  /** Interval of the thread TTL sweeper in ms (`LOOM_THREAD_SWEEP_MS`). @default 60000 */
  threadSweepMs?: number;
  /** Interval of the cron scheduler's poll in ms (`LOOM_CRON_POLL_MS`, docs/crons.md). @default 1000 */
  cronPollMs?: number;
}

/** Longest `/ok` (and `grpc.health.v1`) waits for MongoDB's ping before answering 503 / NOT_SERVING. */
const PING_TIMEOUT_MS = 1250;

/**
 * `promise`, or a rejection naming `what` after `timeoutMs` (the promise itself goes on and its outcome is ignored).
 */
async function withTimeout(promise: Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  promise.catch(() => undefined);
  try {
    await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long after the runs' deadline open requests get to send their shutdown error before they are cut. */
const SHUTDOWN_ANSWER_GRACE_MS = 1000;

/** A built app: a handler for both HTTP versions and a server around it. */
export interface App {
  /**
   * The one request handler (Connect, gRPC, gRPC-Web — Loom's services, `grpc.health.v1.Health` and server
   * reflection — then the REST fallback).
   */
  handler: NodeHandler;
  /**
   * Creates the MongoDB indexes and the graphs' system assistants (idempotent), then listens on `host:port`
   * (port 0 picks one); resolves to the bound address.
   */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /**
   * Graceful stop: `grpc.health.v1.Health` turns NOT_SERVING at once (open Watches get it and end), no new
   * connections; runs executing here get up to `timeoutMs` (default 10000) to end, then are stopped and given
   * back to the queue; waits, joins and streams still open then answer 503 / UNAVAILABLE, and connections still
   * open a second later are cut.
   */
  close(timeoutMs?: number): Promise<void>;
  /**
   * Waits, joins and event readers (streams) in progress (`RunRuntime.waiters`): back to 0 once every such
   * request has ended, by its run's end, its deadline or its client leaving.
   */
  waiters(): number;
}

/**
 * The request instrumentation of the app's port: RPC labels from the served services, REST labels from their
 * route table (the same one the bridge builds); the explorer's files count as `GET /ui`, scrapes as `GET /metrics`.
 */
function requestLabels(
  bound: readonly BoundService[],
  isUi: ((url: string) => boolean) | undefined,
): { rpcMethods: ReadonlySet<string>; restRoute(verb: string, path: string): string | undefined } {
  const table = buildRouteTable(bound.map((b) => b.service));
  const rpcMethods = new Set(
    bound.flatMap((b) => b.service.methods.map((m) => `${b.service.typeName}/${m.name}`)),
  );
  return {
    rpcMethods,
    restRoute(verb, path) {
      if (path === METRICS_PATH) return `GET ${METRICS_PATH}`;
      if (isUi?.(path)) return "GET /ui";
      const match = table.find(verb, path);
      return match.kind === "found" ? `${match.route.verb} ${match.route.template.source}` : undefined;
    },
  };
}

function instrumentRequests(metrics: LoomMetrics, labels: ReturnType<typeof requestLabels>): RequestMetrics {
  return createRequestMetrics({ metrics, ...labels });
}

/**
 * Log handlers for a periodic pass named `what` (e.g. "cron poll"): a warning at the first failure of a streak and
 * at the 10th, 100th… (`isLoggedFailure`), and one info line when a pass works again.
 */
function streakLog(
  logger: Logger,
  what: string,
): { onError: PeriodicFailure; onRecovered: PeriodicRecovery } {
  return {
    onError: (error, failuresInARow) => {
      if (isLoggedFailure(failuresInARow)) {
        logger.warn({ err: error, failuresInARow }, `${what} failed; retried every interval`);
      }
    },
    onRecovered: (failuresInARow) => logger.info({ failuresInARow }, `${what} works again`),
  };
}

/**
 * The authenticator of `deps.auth` and `deps.apiKeys`; `undefined` when neither is set.
 * @throws Error when an `Auth` with an `authenticate` handler and API keys are both configured
 */
function buildAuthenticator(deps: AppDeps): Authenticator | undefined {
  const keys = deps.apiKeys ?? [];
  const apiKeys =
    keys.length > 0
      ? createApiKeyAuthenticator(
          keys.map((k) => ({ sha256: Buffer.from(k.sha256Hex, "hex"), identity: k.identity })),
        )
      : undefined;
  if (!deps.auth) return apiKeys;
  if (apiKeys && deps.auth["~handlerCache"].authenticate) {
    throw new Error(
      "auth: the Auth module of loom.json has an authenticate handler and LOOM_API_KEYS is set; use one of them",
    );
  }
  return createCustomAuthenticator(deps.auth, apiKeys);
}

/** Builds the app. Does not listen. @throws Error for a conflicting auth configuration (`buildAuthenticator`) */
export function createApp(deps: AppDeps): App {
  const authenticator = buildAuthenticator(deps);
  const healthDeps = {
    version: deps.version,
    authMode: authenticator?.mode ?? ("none" as const),
    // Bounded, so a load balancer hears 503 within 2 s while MongoDB is away instead of waiting for server
    // selection (docs/runs.md "MongoDB outages"); the driver's `timeoutMS` has no effect in 7.x.
    pingDatabase: () => withTimeout(deps.db.command({ ping: 1 }), PING_TIMEOUT_MS, "MongoDB ping"),
  };
  const health = createHealthService(healthDeps);
  // The standard gRPC health and reflection services describe every service on the port, themselves included:
  // both read the list from `services` (built below) when called.
  const grpcHealth = createGrpcHealth({
    services: () => services.bound.map((b) => b.service.typeName),
    pingDatabase: healthDeps.pingDatabase,
    ...(deps.healthWatchPollMs !== undefined ? { watchPollMs: deps.healthWatchPollMs } : {}),
  });
  const reflection = createReflectionServices(() => services.bound.map((b) => b.service));
  const registry = deps.registry ?? createGraphRegistry(new Map());
  const store = createMongoStore({ client: deps.db.client, dbName: deps.db.databaseName });
  const metrics = (deps.metrics ?? true) ? createLoomMetrics() : undefined;
  const stopMongoMonitoring = metrics ? monitorMongoCommands(deps.db.client, metrics) : () => {};
  const tracer = deps.tracerProvider?.getTracer("loom", deps.version);
  const stopMongoTracing = tracer ? traceMongoCommands(deps.db.client, tracer) : () => {};
  // Every run resolves its assistant: served from memory while the change stream keeps the cache in step.
  const assistants = createAssistantCache(store.assistants);
  const signals = createRunSignals(
    createMongoChangeWatcher(deps.db, {
      onError: (error) => deps.logger.warn({ err: error }, "change stream failed; reopening"),
      ...(metrics ? { onReopen: () => metrics.changeStreamReconnected() } : {}),
      assistants,
    }),
  );
  const owner = `${hostname()}:${process.pid}:${uuidv4()}`;
  const webhooks = createWebhookDispatcher({
    store: store.webhooks,
    owner,
    ...(deps.webhooks ? { settings: deps.webhooks } : {}),
    onError: (error, runId) => deps.logger.warn({ err: error, runId }, "webhook delivery failed"),
  });
  const sweeper = createThreadSweeper({
    threads: store.threads,
    intervalMs: deps.threadSweepMs ?? 60_000,
    ...streakLog(deps.logger, "thread TTL sweep"),
  });
  const services = createLoomServices(
    {
      ...store,
      webhooks,
      assistants,
      signals,
      runtimeSettings: {
        ...RUNTIME_DEFAULTS,
        ...deps.runtime,
        owner,
      },
      registry,
      onRunError: (error, runId) => deps.logger.error({ err: error, runId }, "run failed in the runtime"),
      onInternalError: (error, method) => deps.logger.error({ err: error, method }, "internal error"),
      ...(metrics ? { runMetrics: metrics } : {}),
      ...(tracer ? { runTracing: createRunTracing(tracer) } : {}),
      isTransientError: isTransientMongoError,
      ...(authenticator ? { authenticator } : {}),
      onUnauthenticated: (rpc, code) => deps.logger.debug({ rpc, code }, "request refused by authentication"),
      onRunOutage: (event, error, runId) =>
        deps.logger.warn(
          { err: error, runId },
          event === "retrying"
            ? "database unreachable; the run retries while its lease holds"
            : "database unreachable until the run's lease lapsed; the run goes back to the queue",
        ),
    },
    [{ service: HealthService, impl: health }, grpcHealth, reflection.v1, reflection.v1alpha],
  );
  const cronPoll = streakLog(deps.logger, "cron poll");
  const cronScheduler = createCronScheduler({
    crons: store.crons,
    fire: services.fireCron ?? (async () => {}),
    pollMs: deps.cronPollMs ?? 1000,
    isTransient: isTransientMongoError,
    onError: (error, cronId) => deps.logger.warn({ err: error, cronId }, "cron tick failed"),
    // A poll a second through an outage: its first failure is logged, then the 10th, 100th… and the recovery.
    onPollError: cronPoll.onError,
    onPollRecovered: cronPoll.onRecovered,
  });
  const rest = createRestBridge({
    services: services.bound,
    bodyLimitBytes: deps.bodyLimitBytes,
    ...(deps.sseHeartbeatMs !== undefined ? { heartbeatMs: deps.sseHeartbeatMs } : {}),
    ...(deps.waitKeepAliveMs !== undefined ? { keepAliveMs: deps.waitKeepAliveMs } : {}),
    onInternalError: (error, route) => deps.logger.error({ err: error, route }, "REST bridge error"),
  });
  const ui = deps.uiDir
    ? createStaticHandler({ prefix: "/ui", dir: deps.uiDir, missingHint: "run npm run build" })
    : undefined;
  const endpoint = metrics ? createMetricsEndpoint(metrics) : undefined;
  // `/openapi.json` is generated here, from the same annotations the REST bridge routes by.
  const apiDocs = createApiDocsHandler(
    buildOpenApiDocument(buildRouteTable(services.bound.map((b) => b.service)), { version: deps.version }),
  );
  const labels = metrics || tracer ? requestLabels(services.bound, ui?.matches) : undefined;
  const requestMetrics = metrics && labels ? instrumentRequests(metrics, labels) : undefined;
  const requestTracing = tracer && labels ? createRequestTracing({ tracer, ...labels }) : undefined;
  const interceptors = [
    ...(requestTracing ? [requestTracing.interceptor] : []),
    ...(requestMetrics ? [requestMetrics.interceptor] : []),
  ];
  metrics?.setSources({
    pendingRuns: () => store.queue.countPending(),
    executingRuns: () => services.runtime.executing(),
  });
  const connectHandler = connectNodeAdapter({
    routes: services.routes,
    jsonOptions: { useProtoFieldName: true },
    readMaxBytes: deps.bodyLimitBytes,
    fallback: (req, res) => {
      const url = req.url ?? "";
      if (ui?.matches(url)) return ui.handle(req, res);
      if (endpoint?.matches(url)) return endpoint.handle(req, res);
      if (apiDocs.matches(url)) return apiDocs.handle(req, res);
      return rest(req, res);
    },
    ...(interceptors.length > 0 ? { interceptors } : {}),
    ...(requestMetrics ? { contextValues: requestMetrics.contextValues } : {}),
  });
  const handler = withGrpcMessageEncoding(connectHandler);
  const hostGuard = createHostGuard({ allowedHosts: deps.allowedHosts ?? [] });
  // Without auth, any page could drive a local Loom if every origin were allowed: only local pages then.
  const withCorsHeaders = withCors(handler, {
    origins: deps.corsOrigins ?? (authenticator ? "*" : "loopback"),
  });
  const guarded: NodeHandler = (req, res) => {
    const refusal = hostGuard.refusal(req);
    if (refusal === undefined) return withCorsHeaders(req, res);
    res.writeHead(421, { "content-type": "application/json" });
    res.end(JSON.stringify({ detail: refusal }));
  };
  const timed = requestMetrics ? requestMetrics.wrap(guarded) : guarded;
  let lastRefusalLog = 0;
  const server = createOnePortServer(requestTracing ? requestTracing.wrap(timed) : timed, {
    continueLimitBytes: deps.bodyLimitBytes,
    ...deps.connections,
    onConnectionRefused: (reason) => {
      // One line per burst, not per connection: a flood would otherwise flood the log too.
      const now = Date.now();
      if (now - lastRefusalLog < 10_000) return;
      lastRefusalLog = now;
      deps.logger.warn({ reason, connections: server.connections() }, "connection cap reached");
    },
  });
  const prepare = async () => {
    await store.ensureIndexes();
    await ensureSystemAssistants(store.assistants, registry);
  };
  return {
    handler,
    async listen(port, host) {
      await prepare();
      hostGuard.listeningOn(host);
      const warning = exposureWarning(host, authenticator !== undefined);
      if (warning) deps.logger.warn({ host }, warning);
      const address = await server.listen(port, host);
      services.runtime.start();
      webhooks.start();
      sweeper.start();
      cronScheduler.start();
      return address;
    },
    async close(timeoutMs = 10_000) {
      grpcHealth.shutDown();
      services.runtime.stopClaiming();
      // No new tick once shutting down: a tick not claimed here is claimed by another replica.
      const cronsClosed = cronScheduler.close();
      // Both at once: runs still executing here get until the deadline to end; the rest go back to the queue,
      // where another replica (or this one after a restart) resumes them from their last checkpoint. Then the
      // waits and streams still open fail with 503 / UNAVAILABLE; the server cuts connections only a grace
      // period later, so those answers arrive whole.
      const serverClosed = server.close(timeoutMs + SHUTDOWN_ANSWER_GRACE_MS);
      await services.runtime.close(timeoutMs);
      await Promise.all([webhooks.close(), sweeper.close(), cronsClosed]);
      await serverClosed;
      stopMongoMonitoring();
      stopMongoTracing();
    },
    waiters: () => services.runtime.waiters(),
  };
}
