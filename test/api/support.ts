/**
 * The real Loom app for API tests: the example graphs plus the test graphs of `loom.test.json`, the shared test `mongod` with a database
 * of its own, 127.0.0.1 port 0. `close()` drains the server, drops the database and closes the client.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type CommandStartedEvent, type Db, MongoClient } from "mongodb";
import { createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { mongoUri } from "../support/mongo.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** Repository root. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A running API server. */
export type ApiServer = TestServer;

/**
 * Starts the app with the graphs of `loom.test.json`; `bodyLimitBytes` defaults to 256 KiB so the 413 case is
 * cheap to provoke, heartbeats and keep-alives are short so tests see them.
 */
export function startApiServer(label: string, options: { bodyLimitBytes?: number } = {}): Promise<ApiServer> {
  return startTestServer(label, {
    configPath: path.join(projectRoot, "test/api/loom.test.json"),
    bodyLimitBytes: options.bodyLimitBytes ?? 256 * 1024,
    sseHeartbeatMs: 200,
    waitKeepAliveMs: 150,
  });
}

/** A server whose MongoDB client reports every command it sends (to count round trips). */
export interface MonitoredApiServer {
  baseUrl: string;
  /** The server's own database. */
  db: Db;
  /** Waits, joins and stream readers in progress (`App.waiters`). */
  waiters(): number;
  close(): Promise<void>;
}

/**
 * Starts the app with the graphs of `loom.test.json` on a client with command monitoring: `onCommand` hears each
 * command the server sends. `close()` drains the server, drops its database and closes the client.
 */
export async function startMonitoredApiServer(
  label: string,
  onCommand: (event: CommandStartedEvent) => void,
): Promise<MonitoredApiServer> {
  const client = await MongoClient.connect(mongoUri(), { monitorCommands: true });
  client.on("commandStarted", onCommand);
  const db = client.db(`${label}_${Date.now().toString(36)}`);
  const app = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db,
    bodyLimitBytes: 1024 * 1024,
    registry: await loadGraphRegistry(path.join(projectRoot, "test/api/loom.test.json")),
  });
  const address = await app.listen(0, "127.0.0.1");
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    db,
    waiters: () => app.waiters(),
    async close() {
      await app.close(2_000);
      await db.dropDatabase();
      await client.close();
    },
  };
}

/** JSON request helper: `{status, body, headers}`; the body is parsed when it is JSON, else the raw text. */
export async function call(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
  rawBody?: string,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const init: RequestInit = { method, headers: { "content-type": "application/json" } };
  if (rawBody !== undefined) init.body = rawBody;
  else if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(baseUrl + route, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
