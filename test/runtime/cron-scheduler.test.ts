/** The cron scheduler suite (`cron-scheduler-suite.ts`) on the MongoDB cron store. */
import { createMongoStore } from "../../src/store/mongo/index.js";
import { openTestDb } from "../support/mongo.js";
import { cronSchedulerSuite } from "./cron-scheduler-suite.js";

cronSchedulerSuite("mongo", async () => {
  const testDb = await openTestDb("runtime_cron_scheduler");
  const mongo = createMongoStore({ client: testDb.client, dbName: testDb.dbName });
  await mongo.ensureIndexes();
  return { crons: mongo.crons, close: () => testDb.drop() };
});
