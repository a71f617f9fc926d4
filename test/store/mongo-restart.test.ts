/**
 * The store survives a restart of `mongod`: a throwaway mongod (own data directory, started in a child process)
 * is stopped mid-test and started again on the same data; the same store object (same client) then serves the old
 * data and accepts new checkpoints, and an operation issued while the server was down completes once it is back.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { createMongoStore } from "../../src/store/mongo/index.js";
import { startMongod, stopAllMongods, stopMongod } from "../support/restartable-mongod.js";
import { checkpointInput, write } from "./mongo-fixtures.js";

let dataDir: string | undefined;

afterAll(async () => {
  await stopAllMongods();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("mongod restart", () => {
  it("the store recovers on reconnect and keeps its data", { timeout: 180_000 }, async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "loom-restart-"));
    const first = await startMongod(dataDir);
    const client = await MongoClient.connect(first.uri, { serverSelectionTimeoutMS: 60_000 });
    try {
      const store = createMongoStore({ client, dbName: "restart" });
      await store.ensureIndexes();
      const a = checkpointInput("thread", { values: { n: 1 } });
      await store.checkpoints.put(a);

      await stopMongod(first.child);
      // Issued while the server is down: waits for server selection, then runs on the restarted server.
      const b = checkpointInput("thread", {
        parent: a.checkpoint.id,
        values: { n: 2 },
        parentWrites: [write("t", 0, "n", 2)],
      });
      // Settled into a value at once, so a failed restart below fails the test rather than leave it unhandled.
      const pending = store.checkpoints.put(b).then(
        () => "stored",
        (error: unknown) => error,
      );
      const second = await startMongod(dataDir);
      expect(second.uri).toBe(first.uri);
      expect(await pending).toBe("stored");

      const history = await store.checkpoints.list({ threadId: "thread" });
      expect(history.map((c) => c.checkpoint.channelValues)).toEqual([{ n: 2 }, { n: 1 }]);
      expect(history[1]?.pendingWrites.map((w) => w.value)).toEqual([2]);
      await store.threads.create({ threadId: "after-restart" });
      expect((await store.threads.get("after-restart")).status).toBe("idle");
    } finally {
      await client.close();
    }
  });
});
