/**
 * `createApp(deps)` builds Loom's request handler and server; `listen()` binds it. Nothing here reads
 * `process.env` or starts MongoDB: `src/main.ts` (or a test) does that and passes the pieces in.
 */
import type net from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Db } from "mongodb";
import { HealthService } from "../gen/ts/loom/v1/health_pb.js";
import type { Logger } from "./logger.js";
import { createOnePortServer, type NodeHandler } from "./server/one-port.js";
import { createHealthService } from "./service/health.js";
import { createMetaFallback } from "./service/meta-fallback.js";

/** Everything the app needs, built by the caller. */
export interface AppDeps {
  logger: Logger;
  /** Loom's version string (GET /info). */
  version: string;
  /** The database Loom uses. The app never closes it; the caller owns the client. */
  db: Db;
  /** Largest request body in bytes. */
  bodyLimitBytes: number;
}

/** A built app: a handler for both HTTP versions and a server around it. */
export interface App {
  /** The one request handler (Connect, gRPC, gRPC-Web, then the REST fallback). */
  handler: NodeHandler;
  /** Listens on `host:port` (port 0 picks one); resolves to the bound address. */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /** Graceful stop: no new connections, open requests finish for up to `timeoutMs`, then the rest is cut. */
  close(timeoutMs?: number): Promise<void>;
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
  const routes = (router: ConnectRouter) => {
    router.service(HealthService, health);
  };
  const handler = connectNodeAdapter({
    routes,
    jsonOptions: { useProtoFieldName: true },
    readMaxBytes: deps.bodyLimitBytes,
    fallback: createMetaFallback(healthDeps),
  });
  const server = createOnePortServer(handler);
  return {
    handler,
    listen: (port, host) => server.listen(port, host),
    close: (timeoutMs) => server.close(timeoutMs),
  };
}
