/**
 * MongoDB's 16 MiB document limit on the checkpoint store: oversized checkpoints and writes are a
 * `DocumentTooLargeError` that says what was written (never a driver RangeError or a half-written step).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DocumentTooLargeError } from "../../src/store/errors.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";
import { checkpointInput, write } from "./mongo-fixtures.js";

let t: TestDb;
let store: MongoStore;

beforeAll(async () => {
  t = await openTestDb("mongo_limits");
  store = createMongoStore({ client: t.client, dbName: t.dbName });
  await store.ensureIndexes();
});

afterAll(async () => {
  await t.drop();
});

describe("16 MiB limit", () => {
  it("a checkpoint over 16 MiB is a DocumentTooLargeError and nothing of the step is written", async () => {
    const parent = checkpointInput("large");
    await store.checkpoints.put(parent);
    const big = checkpointInput("large", {
      parent: parent.checkpoint.id,
      values: { blob: "x".repeat(17 * 1024 * 1024) },
      parentWrites: [write("t", 0, "blob", "small")],
    });
    const error = await store.checkpoints.put(big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentTooLargeError);
    expect((error as DocumentTooLargeError).sizeBytes).toBeGreaterThan(16 * 1024 * 1024);
    const tuple = await store.checkpoints.getTuple({ threadId: "large" });
    expect(tuple?.checkpoint.id).toBe(parent.checkpoint.id);
    expect(tuple?.pendingWrites).toEqual([]);
  });

  it("writes that would grow their checkpoint over 16 MiB are a DocumentTooLargeError, earlier writes kept", async () => {
    const input = checkpointInput("large-writes", { values: { blob: "y".repeat(9 * 1024 * 1024) } });
    await store.checkpoints.put(input);
    const ref = { threadId: "large-writes", checkpointNs: "", checkpointId: input.checkpoint.id };
    await store.checkpoints.putWrites(ref, [write("a", 0, "blob", "small")]);
    const error = await store.checkpoints
      .putWrites(ref, [write("b", 0, "blob", "z".repeat(8 * 1024 * 1024))])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentTooLargeError);
    const tuple = await store.checkpoints.getTuple({ threadId: "large-writes" });
    expect(tuple?.pendingWrites.map((w) => w.taskId)).toEqual(["a"]);
  });

  it("put whose parentWrites would outgrow the parent stores the child and says so", async () => {
    const parent = checkpointInput("outgrow", { values: { blob: "p".repeat(9 * 1024 * 1024) } });
    await store.checkpoints.put(parent);
    const child = checkpointInput("outgrow", {
      parent: parent.checkpoint.id,
      parentWrites: [write("t", 0, "blob", "q".repeat(8 * 1024 * 1024))],
    });
    const error = await store.checkpoints.put(child).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentTooLargeError);
    expect((error as DocumentTooLargeError).outcome).toMatch(/was stored/);
    expect((await store.checkpoints.getTuple({ threadId: "outgrow" }))?.checkpoint.id).toBe(
      child.checkpoint.id,
    );
    const stored = await store.checkpoints.getTuple({
      threadId: "outgrow",
      checkpointId: parent.checkpoint.id,
    });
    expect(stored?.pendingWrites).toEqual([]);
  });

  it("a single write over 16 MiB is a DocumentTooLargeError before anything is sent (putWrites and put)", async () => {
    const parent = checkpointInput("huge-write");
    await store.checkpoints.put(parent);
    const ref = { threadId: "huge-write", checkpointNs: "", checkpointId: parent.checkpoint.id };
    const huge = write("t", 0, "blob", "w".repeat(17 * 1024 * 1024));
    await expect(store.checkpoints.putWrites(ref, [huge])).rejects.toBeInstanceOf(DocumentTooLargeError);
    const child = checkpointInput("huge-write", { parent: parent.checkpoint.id, parentWrites: [huge] });
    await expect(store.checkpoints.put(child)).rejects.toBeInstanceOf(DocumentTooLargeError);
    expect(await store.checkpoints.list({ threadId: "huge-write" })).toMatchObject([{ pendingWrites: [] }]);
  });
});
