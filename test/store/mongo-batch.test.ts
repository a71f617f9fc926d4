/**
 * `writeBatch` on the MongoDB store (src/store/mongo/checkpoint-batch.ts): a batch is ONE `update` command, and
 * the errors of the calls one by one (missing checkpoint, checks before sending) stop it at the same write.
 */
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointNotFoundError, type CheckpointStore, type StoreWrite } from "../../src/engine/index.js";
import { CheckpointOrderError, DocumentTooLargeError } from "../../src/store/errors.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";
import { checkpointInput, nextId, write } from "./mongo-fixtures.js";

let t: TestDb;
let client: MongoClient;
let mongo: MongoStore;
/** `<command> <collection> <statements>` of every command started on the checkpoints collection. */
const commands: string[] = [];

beforeAll(async () => {
  t = await openTestDb("mongo_batch");
  client = await MongoClient.connect(t.uri, { monitorCommands: true });
  client.on("commandStarted", (e) => {
    if (e.command[e.commandName] === "checkpoints")
      commands.push(`${e.commandName} ${(e.command.updates ?? e.command.documents ?? []).length}`);
  });
  mongo = createMongoStore({ client, dbName: t.dbName });
  await mongo.ensureIndexes();
});

afterAll(async () => {
  await client.close();
  await t.drop();
});

function batchOf(store: CheckpointStore): (writes: StoreWrite[]) => Promise<void> {
  return async (writes) => {
    if (!store.writeBatch) throw new Error("no writeBatch");
    await store.writeBatch(writes);
  };
}

const put = (input: ReturnType<typeof checkpointInput>): StoreWrite => ({ kind: "put", input });
const ref = (threadId: string, checkpointId: string) => ({ threadId, checkpointNs: "", checkpointId });

describe("MongoDB writeBatch", () => {
  it("sends puts (with parent writes) and putWrites as exactly one update command", async () => {
    const batch = batchOf(mongo.checkpoints);
    const a = checkpointInput("one", { metadata: { source: "input", step: -1 } });
    const b = checkpointInput("one", { parent: a.checkpoint.id, parentWrites: [write("t", 0, "x", 1)] });
    const c = checkpointInput("one", { parent: b.checkpoint.id });
    commands.length = 0;
    await batch([
      put(a),
      { kind: "putWrites", ref: ref("one", a.checkpoint.id), writes: [write("s", 0, "x", 2)] },
      put(b),
      put(c),
      { kind: "putWrites", ref: ref("one", c.checkpoint.id), writes: [write("u", -3, "__interrupt__", [])] },
    ]);
    // a, its writes, b + b's parent writes, c, c's writes: 6 statements in one command.
    expect(commands).toEqual(["update 6"]);
    const stored = await mongo.checkpoints.list({ threadId: "one" });
    expect(stored.map((x) => [x.checkpoint.id, x.pendingWrites.map((w) => w.taskId)])).toEqual([
      [c.checkpoint.id, ["u"]],
      [b.checkpoint.id, []],
      [a.checkpoint.id, ["s", "t"]],
    ]);
  });

  it("putWrites to a missing checkpoint is a CheckpointNotFoundError that stops the batch there, inserting nothing", async () => {
    const batch = batchOf(mongo.checkpoints);
    const a = checkpointInput("missing");
    const missing = nextId();
    const later = checkpointInput("missing", { parent: a.checkpoint.id });
    commands.length = 0;
    const error = await batch([
      put(a),
      { kind: "putWrites", ref: ref("missing", missing), writes: [write("w", 0, "x", 1)] },
      put(later),
      { kind: "putWrites", ref: ref("missing", a.checkpoint.id), writes: [write("late", 0, "x", 1)] },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointNotFoundError);
    expect(error).toMatchObject({ threadId: "missing", checkpointId: missing });
    expect(commands).toEqual(["update 4"]);
    const stored = await mongo.checkpoints.list({ threadId: "missing" });
    expect(stored.map((x) => [x.checkpoint.id, x.pendingWrites])).toEqual([[a.checkpoint.id, []]]);
    expect(await mongo.db.collection("checkpoints").countDocuments({ thread_id: "missing" })).toBe(1);
  });

  it("a write refused before sending (order, size) sends the writes before it, then throws its error", async () => {
    const small = createMongoStore({ client, dbName: t.dbName, maxDocumentBytes: 4096 });
    const batch = batchOf(small.checkpoints);
    const a = checkpointInput("refused");
    const after = checkpointInput("refused", { parent: a.checkpoint.id });
    commands.length = 0;
    const tooLarge = await batch([
      put(a),
      put(checkpointInput("refused", { parent: a.checkpoint.id, values: { blob: "x".repeat(8192) } })),
      put(after),
    ]).catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(DocumentTooLargeError);
    expect(commands).toEqual(["update 1"]);
    expect((await small.checkpoints.list({ threadId: "refused" })).map((x) => x.checkpoint.id)).toEqual([
      a.checkpoint.id,
    ]);
    const badOrder = checkpointInput("refused", { id: `0${a.checkpoint.id}`, parent: a.checkpoint.id });
    commands.length = 0;
    await expect(batch([put(badOrder), put(after)])).rejects.toBeInstanceOf(CheckpointOrderError);
    expect(commands).toEqual([]);
  });

  it("parent writes that would outgrow the parent stop the batch after storing the child", async () => {
    const parent = checkpointInput("outgrow-batch", { values: { blob: "p".repeat(9 * 1024 * 1024) } });
    await mongo.checkpoints.put(parent);
    const child = checkpointInput("outgrow-batch", {
      parent: parent.checkpoint.id,
      parentWrites: [write("t", 0, "blob", "q".repeat(8 * 1024 * 1024))],
    });
    const later = checkpointInput("outgrow-batch", { parent: child.checkpoint.id });
    const error = await batchOf(mongo.checkpoints)([put(child), put(later)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentTooLargeError);
    expect((error as DocumentTooLargeError).outcome).toMatch(/was stored/);
    expect((await mongo.checkpoints.getTuple({ threadId: "outgrow-batch" }))?.checkpoint.id).toBe(
      child.checkpoint.id,
    );
  });
});
