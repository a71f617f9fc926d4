/**
 * The memory store: every store interface over one in-process `MemoryDatabase`, with the observable semantics of
 * the MongoDB store (`src/store/mongo`), so tests of the runtime and service run without a `mongod` and the
 * contract suites (`test/contract`) run against both. Not durable; one process only; no change stream.
 */
import type { ItemStore } from "../../engine/item-store.js";
import type { CheckpointStore } from "../../engine/store.js";
import type { AssistantStore, RunStore, ThreadStore } from "../records.js";
import { createMemoryAssistantStore } from "./assistants.js";
import { MemoryDatabase } from "./db.js";
import { createMemoryItemStore } from "./items.js";
import { createMemoryRunStore } from "./runs.js";
import { createMemoryThreadStore } from "./threads.js";

export { createMemoryAssistantStore } from "./assistants.js";
export { MemoryStore } from "./checkpoints.js";
export { MemoryDatabase } from "./db.js";
export { createMemoryItemStore } from "./items.js";
export { createMemoryRunStore } from "./runs.js";
export { createMemoryThreadStore } from "./threads.js";

/** The stores of one memory database (the `MongoStore` fields without the MongoDB-only ones). */
export interface MemoryStores {
  /** Checkpoints and pending writes; `deleteThread` removes only checkpoints, as the MongoDB one does. */
  checkpoints: CheckpointStore;
  threads: ThreadStore;
  runs: RunStore;
  assistants: AssistantStore;
  /** The long-term memory store (docs/store.md). */
  items: ItemStore;
  /** The shared tables (for tests that look beneath the interfaces). */
  db: MemoryDatabase;
  /**
   * Copies every checkpoint of `sourceThreadId` to `targetThreadId` (`MongoStore.copyThreadCheckpoints`).
   * @throws CheckpointConflictError when the target already holds one of the ids; nothing is copied then.
   */
  copyThreadCheckpoints(sourceThreadId: string, targetThreadId: string): Promise<void>;
}

/** Creates the stores over a fresh (or the given) memory database. */
export function createMemoryStores(db = new MemoryDatabase()): MemoryStores {
  return {
    checkpoints: db.checkpoints,
    threads: createMemoryThreadStore(db),
    runs: createMemoryRunStore(db),
    assistants: createMemoryAssistantStore(db),
    items: createMemoryItemStore(db),
    db,
    async copyThreadCheckpoints(sourceThreadId, targetThreadId) {
      db.checkpoints.copyThread(sourceThreadId, targetThreadId);
    },
  };
}
