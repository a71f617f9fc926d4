/**
 * Starts the real Loom app in-process on 127.0.0.1 port 0, on the shared test `mongod` with a database of its
 * own. `close()` drains the server, drops the database and closes the client.
 */
import { type AppDeps, createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadAuthModule } from "../../src/registry/auth-load.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { openTestDb, type TestDb } from "./mongo.js";

/** A running test server. */
export interface TestServer {
  /** e.g. `http://127.0.0.1:40123` */
  baseUrl: string;
  port: number;
  testDb: TestDb;
  /** The app's waits, joins and event readers in progress (`App.waiters`). */
  waiters(): number;
  close(): Promise<void>;
}

/** Options for {@link startTestServer}; absent ones take `createApp`'s defaults. */
export interface TestServerOptions
  extends Partial<
    Pick<
      AppDeps,
      | "sseHeartbeatMs"
      | "waitKeepAliveMs"
      | "uiDir"
      | "allowedHosts"
      | "metrics"
      | "apiKeys"
      | "corsOrigins"
      | "logger"
      | "webhooks"
      | "threadSweepMs"
    >
  > {
  /** Body limit in bytes. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Graph config file (`loom.json` format) to serve, with its `auth` module if it names one; absent: no graphs. */
  configPath?: string;
}

/** Starts the app for one test file; `label` names its database. */
export async function startTestServer(label: string, options: TestServerOptions = {}): Promise<TestServer> {
  const testDb = await openTestDb(label);
  const { configPath, bodyLimitBytes, ...rest } = options;
  const auth = configPath ? await loadAuthModule(configPath) : undefined;
  const app = createApp({
    logger: silentLogger(),
    ...(auth ? { auth } : {}),
    version: LOOM_VERSION,
    db: testDb.db,
    bodyLimitBytes: bodyLimitBytes ?? 1024 * 1024,
    ...(configPath ? { registry: await loadGraphRegistry(configPath) } : {}),
    ...rest,
  });
  const address = await app.listen(0, "127.0.0.1");
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    port: address.port,
    testDb,
    waiters: () => app.waiters(),
    async close() {
      await app.close(2_000);
      await testDb.drop();
    },
  };
}
