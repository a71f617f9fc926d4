/**
 * Graceful shutdown: `app.close()` cancels the runs still executing, so no thread is left busy.
 */
import path from "node:path";
import { expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { createMongoStore } from "../../src/store/mongo/index.js";
import { LOOM_VERSION } from "../../src/version.js";
import { openTestDb } from "../support/mongo.js";
import { call, projectRoot } from "./support.js";

it("close() cancels a background run: run interrupted, thread not busy", async () => {
  const testDb = await openTestDb("api_shutdown");
  try {
    const app = createApp({
      logger: silentLogger(),
      version: LOOM_VERSION,
      db: testDb.db,
      bodyLimitBytes: 1024 * 1024,
      registry: await loadGraphRegistry(path.join(projectRoot, "test/api/loom.test.json")),
    });
    const { port } = await app.listen(0, "127.0.0.1");
    const B = `http://127.0.0.1:${port}`;
    const tid = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
    const run = (
      await call(B, "POST", `/threads/${tid}/runs`, { assistant_id: "slow", input: { ms: 30_000 } })
    ).body as { run_id: string };
    const started = Date.now();
    await app.close(500);
    expect(Date.now() - started).toBeLessThan(10_000);
    const store = createMongoStore({ client: testDb.client, dbName: testDb.dbName });
    expect((await store.runs.get(run.run_id)).status).toBe("interrupted");
    expect((await store.threads.get(tid)).status).not.toBe("busy");
  } finally {
    await testDb.drop();
  }
});
