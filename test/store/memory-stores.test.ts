/** The store contract suites (test/contract) against the memory store: a fresh memory database per test. */
import { createMemoryStores } from "../../src/store/memory.js";
import { assistantStoreContract } from "../contract/assistant-store.js";
import { cronStoreContract } from "../contract/cron-store.js";
import { itemStoreContract } from "../contract/item-store.js";
import { runEventStoreContract } from "../contract/run-event-store.js";
import { runQueueStoreContract } from "../contract/run-queue-store.js";
import { runStoreContract } from "../contract/run-store.js";
import type { MakeStores } from "../contract/stores.js";
import { threadStoreContract } from "../contract/thread-store.js";
import { webhookStoreContract } from "../contract/webhook-store.js";

const makeStores: MakeStores = async () => ({ stores: createMemoryStores() });

threadStoreContract("memory", makeStores);
runStoreContract("memory", makeStores);
assistantStoreContract("memory", makeStores);
itemStoreContract("memory", makeStores);
cronStoreContract("memory", makeStores);
runEventStoreContract("memory", makeStores);
webhookStoreContract("memory", makeStores);
runQueueStoreContract("memory", makeStores);
