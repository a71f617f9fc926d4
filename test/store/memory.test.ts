import { MemoryStore } from "../../src/store/memory.js";
import { checkpointStoreContract } from "../contract/checkpoint-store.js";

checkpointStoreContract("memory", async () => ({ store: new MemoryStore() }));
