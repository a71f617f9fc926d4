/**
 * The engine's CheckpointStore contract suite (test/contract) against the MongoDB store on the real mongod, with
 * a fresh database per test.
 */
import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll } from "vitest";
import { createMongoStore } from "../../src/store/mongo/index.js";
import { checkpointStoreContract } from "../contract/checkpoint-store.js";
import { mongoUri } from "../support/mongo.js";

let client: MongoClient;
beforeAll(async () => {
  client = await MongoClient.connect(mongoUri());
});
afterAll(async () => {
  await client.close();
});

checkpointStoreContract("mongo", async () => {
  const store = createMongoStore({ client, dbName: `contract_${randomBytes(6).toString("hex")}` });
  await store.ensureIndexes();
  return { store: store.checkpoints, cleanup: () => store.db.dropDatabase().then(() => undefined) };
});
