/**
 * Entry point of `npm start` (compiled: `node dist/src/main.js`) and `npm run dev` (`node --import tsx
 * src/main.ts`): reads the environment (the only place that does), starts or finds MongoDB, builds the app and
 * listens (a bad graph config exits with code 2 before MongoDB starts). SIGINT/SIGTERM shut down gracefully: stop accepting, drain open requests, close the database client,
 * stop the `mongod` this process started.
 */
import path from "node:path";
import { MongoClient } from "mongodb";
import { createApp } from "./app.js";
import { ConfigError, parseConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { launchMongo } from "./mongod/launcher.js";
import { buildDir, projectRoot } from "./paths.js";
import { loadAuthModule } from "./registry/auth-load.js";
import { GraphConfigError, loadGraphRegistry } from "./registry/load.js";
import { connectionCap, softFileLimit } from "./server/fd-limit.js";
import {
  durableClientOptions,
  isTransientMongoError,
  requireServableMongo,
  UnsupportedMongoServerError,
} from "./store/mongo/index.js";
import { LOOM_VERSION } from "./version.js";

/** How long start-up keeps trying to reach MongoDB (e.g. a `mongod` started beside Loom) before it gives up. */
const CONNECT_PATIENCE_MS = 30_000;

/**
 * Connects with a short server selection timeout, so that while MongoDB is away requests fail fast (503) instead
 * of hanging for the driver's default 30 s; at start-up, keeps trying for {@link CONNECT_PATIENCE_MS}.
 */
async function connectMongo(
  uri: string,
  serverSelectionTimeoutMS: number,
  logger: ReturnType<typeof createLogger>,
): Promise<MongoClient> {
  const since = Date.now();
  for (;;) {
    // Command monitoring feeds the MongoDB latency metric (`loom_mongodb_command_duration_seconds`).
    // Majority writes, retryable reads and writes (store/mongo/client-options.ts): failover loses nothing acknowledged.
    const client = new MongoClient(uri, {
      ...durableClientOptions(uri),
      serverSelectionTimeoutMS,
      monitorCommands: true,
    });
    try {
      return await client.connect();
    } catch (error) {
      await client.close().catch(() => undefined);
      if (!isTransientMongoError(error) || Date.now() - since > CONNECT_PATIENCE_MS) throw error;
      logger.warn({ err: error }, "MongoDB not reachable yet; retrying");
    }
  }
}

/** Signals closer than this to the first one are its echo (see `shutdown`), not a second Ctrl-C. */
const SIGNAL_ECHO_MS = 300;

async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.env, projectRoot);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`loom: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  // Graphs first: a config naming no graph, or a LangGraph.js graph without its packages, stops before mongod starts.
  let registry: Awaited<ReturnType<typeof loadGraphRegistry>>;
  try {
    registry = await loadGraphRegistry(config.configPath);
  } catch (error) {
    if (error instanceof GraphConfigError) {
      process.stderr.write(`loom: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let auth: Awaited<ReturnType<typeof loadAuthModule>>;
  try {
    auth = await loadAuthModule(config.configPath);
  } catch (error) {
    if (error instanceof GraphConfigError) {
      process.stderr.write(`loom: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  logger.info({ graphs: registry.ids(), config: config.configPath }, "graphs loaded");
  if (auth || config.apiKeys.length > 0) {
    // Identities only: the keys' hashes are not logged either.
    logger.info(
      { auth: auth ? "custom" : "api_key", apiKeyIdentities: config.apiKeys.map((k) => k.identity) },
      "authentication on",
    );
  }

  const mongo = await launchMongo({
    toolsRoot: projectRoot,
    dbPath: config.dataDir,
    ...(config.mongodbUri ? { uri: config.mongodbUri } : {}),
    ...(config.mongodPath ? { mongodPath: config.mongodPath } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
    log: (message) => logger.info(message),
  });
  logger.info({ source: mongo.source, version: mongo.version, dataDir: config.dataDir }, "MongoDB ready");
  const fdLimit = softFileLimit();
  const maxConnections = config.maxConnections ?? connectionCap(fdLimit);
  logger.info(
    {
      fdLimit: fdLimit ?? "unlimited",
      maxConnections: Number.isFinite(maxConnections) ? maxConnections : "none",
    },
    "connection cap",
  );
  const client = await connectMongo(mongo.uri, config.mongoSelectionTimeoutMs, logger);
  try {
    await requireServableMongo(client.db(config.dbName));
  } catch (error) {
    if (error instanceof UnsupportedMongoServerError) {
      // A server that cannot serve stops Loom here, not at the first run (docs/operations.md "MongoDB").
      process.stderr.write(`loom: ${error.message}\n`);
      await client.close().catch(() => undefined);
      await mongo.stop().catch(() => undefined);
      process.exit(3);
    }
    throw error;
  }
  // The SDK is loaded only when the OTEL_* variables switch traces on: off, no span is ever made.
  const tracing = config.tracing
    ? (await import("./tracing/setup.js")).startTracing({ ...config.tracing, serviceVersion: LOOM_VERSION })
    : undefined;
  if (config.tracing)
    logger.info({ exporters: config.tracing.exporters, url: config.tracing.otlpTracesUrl }, "tracing on");
  const app = createApp({
    logger,
    ...(tracing ? { tracerProvider: tracing.provider } : {}),
    metrics: config.metrics,
    version: LOOM_VERSION,
    db: client.db(config.dbName),
    bodyLimitBytes: config.bodyLimitBytes,
    allowedHosts: config.allowedHosts,
    apiKeys: config.apiKeys,
    ...(config.corsOrigins ? { corsOrigins: config.corsOrigins } : {}),
    ...(auth ? { auth } : {}),
    registry,
    uiDir: path.join(buildDir, "ui"),
    connections: {
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      h2IdleTimeoutMs: config.h2IdleTimeoutMs,
      maxConnections,
    },
    runtime: {
      workers: config.workers,
      leaseMs: config.leaseMs,
      maxAttempts: config.maxAttempts,
      pollMs: config.pollMs,
      heapReliefWaiters: config.heapReliefWaiters,
    },
    webhooks: config.webhooks,
    threadSweepMs: config.threadSweepMs,
    cronPollMs: config.cronPollMs,
  });
  const address = await app.listen(config.port, config.host);
  const url = `http://${address.address}:${address.port}`;
  logger.info({ url, explorer: `${url}/ui/` }, "Loom listening");

  // A terminal's Ctrl-C signals the whole process group (npm, node; the embedded mongod runs in a group of its
  // own, so it stays up for the drain). The first signal drains, a second one exits at once.
  // Under `npm start` one Ctrl-C arrives twice (the terminal's, then the copy npm forwards), a few ms apart:
  // only a signal more than SIGNAL_ECHO_MS after the first counts as a second one.
  let stoppingSince: number | undefined;
  const shutdown = async (signal: string) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SIGNAL_ECHO_MS) return;
      logger.warn({ signal }, "second signal: exiting now");
      mongo.kill();
      process.exit(130);
    }
    stoppingSince = Date.now();
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, "shutting down: draining requests and runs");
    await app.close(config.shutdownTimeoutMs);
    logger.info("requests and runs drained");
    await client.close();
    await mongo.stop();
    await tracing?.shutdown();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`loom: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
