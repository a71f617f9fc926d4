/**
 * The store contract suites (test/contract) against the MongoDB store on the real mongod: one database for the
 * file with its indexes, emptied (documents only, indexes kept) after each test.
 */
import { afterAll, beforeAll } from "vitest";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { assistantStoreContract } from "../contract/assistant-store.js";
import { cronStoreContract } from "../contract/cron-store.js";
import { itemStoreContract } from "../contract/item-store.js";
import { runEventStoreContract } from "../contract/run-event-store.js";
import { runQueueStoreContract } from "../contract/run-queue-store.js";
import { runStoreContract } from "../contract/run-store.js";
import type { MakeStores } from "../contract/stores.js";
import { threadStoreContract } from "../contract/thread-store.js";
import { webhookStoreContract } from "../contract/webhook-store.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let testDb: TestDb;
let store: MongoStore;
beforeAll(async () => {
  testDb = await openTestDb("store_contract");
  store = createMongoStore({ client: testDb.client, dbName: testDb.dbName });
  await store.ensureIndexes();
});
afterAll(async () => {
  await testDb.drop();
});

const makeStores: MakeStores = async () => ({
  stores: store,
  async cleanup() {
    const collections = await store.db.collections();
    await Promise.all(collections.map((c) => c.deleteMany({})));
  },
});

threadStoreContract("mongo", makeStores);
runStoreContract("mongo", makeStores);
assistantStoreContract("mongo", makeStores);
itemStoreContract("mongo", makeStores);
cronStoreContract("mongo", makeStores);
runEventStoreContract("mongo", makeStores);
webhookStoreContract("mongo", makeStores);
runQueueStoreContract("mongo", makeStores);
