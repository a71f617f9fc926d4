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

// The same contract through the lease fence (src/store/mongo/lease-fence.ts): every write is a transaction that
// checks the lease of a run held for the whole test, so the fence changes no outcome of the contract.
checkpointStoreContract("mongo (lease fence)", async () => {
  const store = createMongoStore({ client, dbName: `contract_${randomBytes(6).toString("hex")}` });
  await store.ensureIndexes();
  const holder = { owner: "contract-worker", attempt: 1 };
  await store.db.collection("runs").insertOne({
    _id: "contract-run" as never,
    thread_id: "contract-thread",
    status: "running",
    attempt: holder.attempt,
    lease_owner: holder.owner,
    lease_expires_at: new Date(Date.now() + 3600_000),
  });
  return {
    store: store.leaseFence.checkpoints("contract-run", holder),
    cleanup: () => store.db.dropDatabase().then(() => undefined),
  };
});
