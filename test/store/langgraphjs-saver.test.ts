/**
 * LangGraph's own checkpointer conformance suite (`@langchain/langgraph-checkpoint-validation` 1.1.1) against `LoomCheckpointSaver` on Loom's MongoDB store, on the real test
 * `mongod`; each checkpointer instance gets a database of its own.
 */
import type { MongoClient } from "mongodb";
import * as vitest from "vitest";
import { createMongoSaver } from "../../src/host/langgraphjs/mongo-saver.js";
import type { LoomCheckpointSaver } from "../../src/host/langgraphjs/saver.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

// The suite calls vitest's functions as globals (its CLI runs vitest with `globals: true`).
const { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test } = vitest;
Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test });
const { specTest } = await import("@langchain/langgraph-checkpoint-validation");

/**
 * The suites run here. The others do not pass yet and are not run: `getTuple` (2 of 40 fail: migration of pending
 * sends from checkpoints older than v4), `put` (1 of 22: it expects only changed channel values stored, while Loom
 * stores each checkpoint's full state), `list` (about 27 of ~650 filter combinations, cross-namespace listing).
 */
const SUITES: Array<"getTuple" | "putWrites" | "put" | "list"> = ["putWrites"];
const open = new Map<LoomCheckpointSaver, TestDb>();
let n = 0;

specTest<LoomCheckpointSaver>(
  {
    checkpointerName: "LoomCheckpointSaver (MongoDB)",
    async createCheckpointer() {
      const testDb = await openTestDb(`lg_saver_${n++}`);
      const saver = await createMongoSaver({ client: testDb.client as MongoClient, dbName: testDb.dbName });
      open.set(saver, testDb);
      return saver;
    },
    async destroyCheckpointer(saver) {
      await open.get(saver)?.drop();
      open.delete(saver);
    },
  },
  SUITES,
);
