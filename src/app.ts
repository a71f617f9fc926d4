/**
 * `createApp(deps)` builds Loom's request handler and server; `listen()` binds it. Nothing here reads
 * `process.env` or starts MongoDB: `src/main.ts` (or a test) does that and passes the pieces in.
 */
import type net from "node:net";
import { hostname } from "node:os";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Db } from "mongodb";
import { v4 as uuidv4 } from "uuid";
import { HealthService } from "../gen/ts/loom/v1/health_pb.js";
import type { Logger } from "./logger.js";
import { createGraphRegistry, type GraphRegistry } from "./registry/registry.js";
import { createRunSignals } from "./runtime/signals.js";
import type { RuntimeSettings } from "./runtime/types.js";
import { createOnePortServer, type NodeHandler } from "./server/one-port.js";
import { createStaticHandler } from "./server/static-files.js";
import { ensureSystemAssistants } from "./service/assistants/resolve.js";
import { createHealthService } from "./service/health.js";
import { createLoomServices } from "./service/index.js";
import { createRestBridge } from "./service/rest/bridge.js";
import { createAssistantCache } from "./store/assistant-cache.js";
import { createMongoChangeWatcher } from "./store/mongo/change-watcher.js";
import { createMongoStore } from "./store/mongo/index.js";

/** Everything the app needs, built by the caller. */
export interface AppDeps {
  logger: Logger;
  /** Loom's version string (GET /info). */
  version: string;
  /** The database Loom uses. The app never closes it; the caller owns the client. */
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
  /** Run queue tuning (README "Configuration", src/config.ts); defaults: 8 workers, 30 s lease, 3 attempts, 1 s poll. */
  runtime?: Partial<Omit<RuntimeSettings, "owner">>;
}

/** Defaults of {@link AppDeps.runtime}. */
export const RUNTIME_DEFAULTS: Readonly<Omit<RuntimeSettings, "owner">> = {
  workers: 8,
  leaseMs: 30_000,
  maxAttempts: 3,
  pollMs: 1000,
};

/** A built app: a handler for both HTTP versions and a server around it. */
export interface App {
  /** The one request handler (Connect, gRPC, gRPC-Web, then the REST fallback). */
  handler: NodeHandler;
  /**
   * Creates the MongoDB indexes and the graphs' system assistants (idempotent), then listens on `host:port`
   * (port 0 picks one); resolves to the bound address.
   */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /**
   * Graceful stop: no new connections, open requests finish for up to `timeoutMs`, then the rest is cut; runs
   * still executing here get up to `timeoutMs` more to end, then are stopped and given back to the queue.
   */
  close(timeoutMs?: number): Promise<void>;
  /**
   * Waits, joins and event readers (streams) in progress (`RunRuntime.waiters`): back to 0 once every such
   * request has ended, by its run's end, its deadline or its client leaving.
   */
  waiters(): number;
}

/** Builds the app. Does not listen. */
export function createApp(deps: AppDeps): App {
  const healthDeps = {
    version: deps.version,
    pingDatabase: async () => {
      await deps.db.command({ ping: 1 });
    },
  };
  const health = createHealthService(healthDeps);
  const registry = deps.registry ?? createGraphRegistry(new Map());
  const store = createMongoStore({ client: deps.db.client, dbName: deps.db.databaseName });
  // Every run resolves its assistant: served from memory while the change stream keeps the cache in step.
  const assistants = createAssistantCache(store.assistants);
  const signals = createRunSignals(
    createMongoChangeWatcher(deps.db, {
      onError: (error) => deps.logger.warn({ err: error }, "change stream failed; reopening"),
      assistants,
    }),
  );
  const services = createLoomServices(
    {
      ...store,
      assistants,
      signals,
      runtimeSettings: {
        ...RUNTIME_DEFAULTS,
        ...deps.runtime,
        owner: `${hostname()}:${process.pid}:${uuidv4()}`,
      },
      registry,
      onRunError: (error, runId) => deps.logger.error({ err: error, runId }, "run failed in the runtime"),
      onInternalError: (error, method) => deps.logger.error({ err: error, method }, "internal error"),
    },
    [{ service: HealthService, impl: health }],
  );
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
  const handler = connectNodeAdapter({
    routes: services.routes,
    jsonOptions: { useProtoFieldName: true },
    readMaxBytes: deps.bodyLimitBytes,
    fallback: ui ? (req, res) => (ui.matches(req.url ?? "") ? ui.handle(req, res) : rest(req, res)) : rest,
  });
  const server = createOnePortServer(handler);
  const prepare = async () => {
    await store.ensureIndexes();
    await ensureSystemAssistants(store.assistants, registry);
  };
  return {
    handler,
    async listen(port, host) {
      await prepare();
      const address = await server.listen(port, host);
      services.runtime.start();
      return address;
    },
    async close(timeoutMs) {
      services.runtime.stopClaiming();
      await server.close(timeoutMs);
      // Runs still executing here get until the deadline to end; the rest go back to the queue, where another
      // replica (or this one after a restart) resumes them from their last checkpoint.
      await services.runtime.close(timeoutMs ?? 10_000);
    },
    waiters: () => services.runtime.waiters(),
  };
}
