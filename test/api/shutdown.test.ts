/**
 * Graceful shutdown: `app.close()` stops claiming, gives the runs still executing at the deadline back to the
 * queue (status `pending`, no lease, same attempt), and a next process on the same database finishes them.
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

it("close() releases a running background run; the next app finishes it", async () => {
  const testDb = await openTestDb("api_shutdown");
  const registry = await loadGraphRegistry(path.join(projectRoot, "test/api/loom.test.json"));
  const newApp = () =>
    createApp({
      logger: silentLogger(),
      version: LOOM_VERSION,
      db: testDb.db,
      bodyLimitBytes: 1024 * 1024,
      registry,
    });
  try {
    const app = newApp();
    const { port } = await app.listen(0, "127.0.0.1");
    const B = `http://127.0.0.1:${port}`;
    const tid = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
    const run = (await call(B, "POST", `/threads/${tid}/runs`, { assistant_id: "slow", input: { ms: 1500 } }))
      .body as { run_id: string };
    const store = createMongoStore({ client: testDb.client, dbName: testDb.dbName });
    while ((await store.runs.get(run.run_id)).status !== "running")
      await new Promise((r) => setTimeout(r, 20));
    await app.close(200);
    const released = await store.runs.get(run.run_id);
    expect(released).toMatchObject({ status: "pending", leaseOwner: null, attempt: 1 });
    expect((await store.threads.get(tid)).status).toBe("busy");

    const next = newApp();
    const second = await next.listen(0, "127.0.0.1");
    try {
      const joined = await call(
        `http://127.0.0.1:${second.port}`,
        "GET",
        `/threads/${tid}/runs/${run.run_id}/join`,
      );
      expect(joined.body).toEqual({ ms: 1500, done: true });
      expect((await store.runs.get(run.run_id)).status).toBe("success");
      expect((await store.threads.get(tid)).status).toBe("idle");
    } finally {
      await next.close(2000);
    }
  } finally {
    await testDb.drop();
  }
});
