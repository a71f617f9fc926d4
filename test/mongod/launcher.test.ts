import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { MongoServerError } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchMongo, NoMongoError } from "../../src/mongod/launcher.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

const execFileAsync = promisify(execFile);
const LAUNCH_ONCE = path.join(import.meta.dirname, "..", "support", "launch-once.ts");

describe("the shared test mongod (started by the launcher in global setup)", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb("launcher");
  });
  afterAll(async () => {
    await t.drop();
  });

  it("is a replica set primary", async () => {
    const hello = await t.db.admin().command({ hello: 1 });
    expect(hello.setName).toBe("rs0");
    expect(hello.isWritablePrimary).toBe(true);
  });

  it("enforces a unique index", async () => {
    const c = t.db.collection("uniq");
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ k: 1 });
    const error = await c.insertOne({ k: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(11000);
  });

  it("commits a transaction", async () => {
    const c = t.db.collection("tx");
    const session = t.client.startSession();
    await session.withTransaction(async () => {
      await c.insertOne({ a: 1 }, { session });
      await c.insertOne({ a: 2 }, { session });
    });
    await session.endSession();
    expect(await c.countDocuments()).toBe(2);
  });

  it("delivers an insert to a change stream", async () => {
    const c = t.db.collection("cs");
    const stream = c.watch();
    const next = stream.next();
    // Let the stream's aggregate reach the server before the insert.
    await new Promise((r) => setTimeout(r, 300));
    await c.insertOne({ x: 1 });
    const change = await next;
    expect(change.operationType).toBe("insert");
    await stream.close();
  });
});

describe("launchMongo", () => {
  it("starts nothing when given a URI", async () => {
    const m = await launchMongo({ uri: "mongodb://example.invalid:1", toolsRoot: "/nonexistent" });
    expect(m.source).toBe("MONGODB_URI");
    expect(m.uri).toBe("mongodb://example.invalid:1");
    await m.stop();
  });

  it("names MONGOD_PATH when it points at nothing", async () => {
    await expect(
      launchMongo({ mongodPath: "/nonexistent/mongod", toolsRoot: "/nonexistent" }),
    ).rejects.toThrow(/MONGOD_PATH=\/nonexistent\/mongod/);
  });

  it("lists what it tried when no MongoDB can be had", async () => {
    const error = await launchMongo({
      toolsRoot: "/nonexistent",
      searchPath: "/nonexistent-bin",
      allowDownload: false,
      installWheel: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoMongoError);
    expect((error as NoMongoError).message).toMatch(/mongod on PATH \(none\)/);
    expect((error as NoMongoError).message).toMatch(/download \(disabled\)/);
  });

  it("keeps data in a persistent dbPath across restarts (two processes, like two `npm start`s)", async () => {
    const dbPath = await mkdtemp(path.join(os.tmpdir(), "loom-launcher-"));
    try {
      const run = async (command: string) => {
        const { stdout } = await execFileAsync(process.execPath, [
          "--import",
          "tsx",
          LAUNCH_ONCE,
          dbPath,
          command,
        ]);
        return JSON.parse(stdout.trim().split("\n").at(-1) ?? "null");
      };
      const first = await run("write");
      expect(first.doc).toEqual({ kept: true });
      expect(first.version).toMatch(/^\d+\.\d+\.\d+$/);
      const second = await run("read");
      expect(second.doc).toEqual({ kept: true });
    } finally {
      await rm(dbPath, { recursive: true, force: true });
    }
  });
});
