/**
 * The real Loom app for API tests: the example graphs plus the test graphs of `loom.test.json`, the shared test `mongod` with a database
 * of its own, 127.0.0.1 port 0. `close()` drains the server, drops the database and closes the client.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

/** Repository root. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A running API server. */
export interface ApiServer {
  baseUrl: string;
  port: number;
  testDb: TestDb;
  close(): Promise<void>;
}

/** Starts the app; `bodyLimitBytes` defaults to 256 KiB so the 413 case is cheap to provoke. */
export async function startApiServer(
  label: string,
  options: { bodyLimitBytes?: number } = {},
): Promise<ApiServer> {
  const testDb = await openTestDb(label);
  const registry = await loadGraphRegistry(path.join(projectRoot, "test/api/loom.test.json"));
  const app = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: testDb.db,
    bodyLimitBytes: options.bodyLimitBytes ?? 256 * 1024,
    registry,
    sseHeartbeatMs: 200,
    waitKeepAliveMs: 150,
  });
  const address = await app.listen(0, "127.0.0.1");
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    port: address.port,
    testDb,
    async close() {
      await app.close(2_000);
      await testDb.drop();
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
