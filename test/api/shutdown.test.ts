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
import { type GrpcClients, grpc, grpcClients, grpcCode, toValue } from "../support/grpc-client.js";
import { openTestDb } from "../support/mongo.js";
import { call, projectRoot } from "./support.js";

/**
 * Long enough that the run cannot end on its own between "seen running" and the 200 ms deadline, even on a loaded
 * two-core machine (1.5 s did, now and then); the next app runs it again from its last checkpoint.
 */
const RUN_MS = 4000;

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
    const run = (
      await call(B, "POST", `/threads/${tid}/runs`, { assistant_id: "slow", input: { ms: RUN_MS } })
    ).body as { run_id: string };
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
      expect(joined.body).toEqual({ ms: RUN_MS, done: true });
      expect((await store.runs.get(run.run_id)).status).toBe("success");
      expect((await store.threads.get(tid)).status).toBe("idle");
    } finally {
      await next.close(2000);
    }
  } finally {
    await testDb.drop();
  }
});

it("a wait or join cut by shutdown gets a complete 503 / UNAVAILABLE, never a truncated 200", async () => {
  const testDb = await openTestDb("api_shutdown_waiters");
  const registry = await loadGraphRegistry(path.join(projectRoot, "test/api/loom.test.json"));
  const app = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: testDb.db,
    bodyLimitBytes: 1024 * 1024,
    registry,
  });
  const grpcApi = { current: undefined as GrpcClients | undefined };
  try {
    const { port } = await app.listen(0, "127.0.0.1");
    const B = `http://127.0.0.1:${port}`;
    grpcApi.current = grpcClients(port);
    const newThread = async () =>
      ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
    const [t1, t2, t3] = [await newThread(), await newThread(), await newThread()];
    // A REST wait on a run executing here, a gRPC wait, and a REST join of a background run.
    const restWait = call(B, "POST", `/threads/${t1}/runs/wait`, {
      assistant_id: "slow",
      input: { ms: 20_000 },
    });
    const rpcWait = grpcCode(
      grpcApi.current.call("RunsService", "Wait", {
        thread_id: t2,
        assistant_id: "slow",
        input: toValue({ ms: 20_000 }),
      }),
    );
    const bg = (await call(B, "POST", `/threads/${t3}/runs`, { assistant_id: "slow", input: { ms: 20_000 } }))
      .body as { run_id: string };
    const store = createMongoStore({ client: testDb.client, dbName: testDb.dbName });
    const running = () => testDb.db.collection("runs").countDocuments({ status: "running" });
    while ((await running()) < 3) await new Promise((r) => setTimeout(r, 50));
    const restJoin = call(B, "GET", `/threads/${t3}/runs/${bg.run_id}/join`);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await app.close(500);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const r of [await restWait, await restJoin]) {
      expect(r.status).toBe(503);
      expect((r.body as { detail: string }).detail).toMatch(/shutting down/);
    }
    expect(await rpcWait).toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringMatching(/shutting down/),
    });
    // The runs went back to the queue for another process.
    expect((await store.runs.get(bg.run_id)).status).toBe("pending");
  } finally {
    grpcApi.current?.close();
    await testDb.drop();
  }
});
