/**
 * The real Loom app for the polyglot clients: the example graphs of `loom.json` (agent, breakpoints, joke) on
 * the shared test `mongod` with a database of its own, 127.0.0.1 port 0 (like `startTestServer`, plus graphs).
 */
import path from "node:path";
import { createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { openTestDb } from "../support/mongo.js";
import type { TestServer } from "../support/server.js";
import { ROOT } from "./programs.js";

/** Starts the app with the project's graphs; `label` names its database. */
export async function startGraphServer(label: string): Promise<TestServer> {
  const testDb = await openTestDb(label);
  const app = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: testDb.db,
    bodyLimitBytes: 1024 * 1024,
    registry: await loadGraphRegistry(path.join(ROOT, "loom.json")),
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
