/**
 * `isTransientMongoError` (src/store/mongo/transient.ts) on errors the driver really raises: an unreachable server
 * (server selection, connection refused), a network error inside a bulk write, a primary stepping down — transient;
 * a duplicate key or a bad command from a live `mongod` — not.
 */
import net from "node:net";
import {
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
} from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransientMongoError } from "../../src/store/mongo/transient.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let testDb: TestDb;
beforeAll(async () => {
  testDb = await openTestDb("mongo_transient");
});
afterAll(async () => {
  await testDb.drop();
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe("isTransientMongoError", () => {
  it("an unreachable server: the server selection timeout is transient", async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${await closedPort()}/?directConnection=true`, {
      serverSelectionTimeoutMS: 200,
    });
    const error = await client
      .db("x")
      .collection("c")
      .insertOne({ a: 1 })
      .catch((e: unknown) => e);
    await client.close();
    expect(error).toBeInstanceOf(MongoServerSelectionError);
    expect(isTransientMongoError(error)).toBe(true);
  });

  it("network errors, also wrapped in a MongoBulkWriteError or as a cause, and step-down codes", () => {
    const reset = new MongoNetworkError("read ECONNRESET");
    expect(isTransientMongoError(reset)).toBe(true);
    // How the driver wraps the network error of a bulk write's batch (bulk/common.ts).
    const bulk = new MongoBulkWriteError(reset as never, {} as never);
    expect(bulk.message).toBe("read ECONNRESET");
    expect(isTransientMongoError(bulk)).toBe(true);
    expect(isTransientMongoError(new Error("wrapped", { cause: reset }))).toBe(true);
    // What an election surfaces as: a cleared pool (a network error labelled PoolRequestedRetry), NotWritablePrimary,
    // InterruptedDueToReplStateChange, PrimarySteppedDown, ShutdownInProgress, NotPrimaryOrSecondary.
    const cleared = Object.assign(new MongoNetworkError("Connection pool for 127.0.0.1:1 was cleared"), {});
    cleared.addErrorLabel("PoolRequestedRetry");
    expect(isTransientMongoError(cleared)).toBe(true);
    for (const code of [10107, 11602, 189, 91, 13436]) {
      expect(isTransientMongoError(new MongoServerError({ message: "stepping down", code }))).toBe(true);
    }
    const labelled = new MongoServerError({ message: "x", code: 1, errorLabels: ["RetryableWriteError"] });
    expect(isTransientMongoError(labelled)).toBe(true);
  });

  it("domain errors from a live mongod are not transient", async () => {
    const c = testDb.db.collection("c");
    await c.insertOne({ _id: "a" } as never);
    const duplicate = await c.insertOne({ _id: "a" } as never).catch((e: unknown) => e);
    expect((duplicate as MongoServerError).code).toBe(11000);
    expect(isTransientMongoError(duplicate)).toBe(false);
    const bad = await testDb.db.command({ noSuchCommand: 1 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(MongoServerError);
    expect(isTransientMongoError(bad)).toBe(false);
    expect(isTransientMongoError(new Error("boom"))).toBe(false);
    expect(isTransientMongoError("nope")).toBe(false);
  });
});
