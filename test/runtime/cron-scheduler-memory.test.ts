/** The cron scheduler suite (`cron-scheduler-suite.ts`) on the memory cron store: no mongod. */
import { createMemoryStores } from "../../src/store/memory.js";
import { cronSchedulerSuite } from "./cron-scheduler-suite.js";

cronSchedulerSuite("memory", async () => ({ crons: createMemoryStores().crons, close: async () => {} }));
