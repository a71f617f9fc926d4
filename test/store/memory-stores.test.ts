/** The store contract suites (test/contract) against the memory store: a fresh memory database per test. */
import { createMemoryStores } from "../../src/store/memory.js";
import { assistantStoreContract } from "../contract/assistant-store.js";
import { itemStoreContract } from "../contract/item-store.js";
import { runStoreContract } from "../contract/run-store.js";
import type { ContractStores, MakeStores } from "../contract/stores.js";
import { threadStoreContract } from "../contract/thread-store.js";

const makeStores: MakeStores = async () => ({ stores: createMemoryStores() as unknown as ContractStores });

threadStoreContract("memory", makeStores);
runStoreContract("memory", makeStores);
assistantStoreContract("memory", makeStores);
itemStoreContract("memory", makeStores);
