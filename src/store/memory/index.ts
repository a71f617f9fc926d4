/**
 * The memory store: every store interface over one in-process `MemoryDatabase`, with the observable semantics of
 * the MongoDB store (`src/store/mongo`), so tests of the runtime and service run without a `mongod` and the
 * contract suites (`test/contract`) run against both. Not durable; one process only; no change stream.
 */
import type { ItemStore } from "../../engine/item-store.js";
import type { CheckpointStore } from "../../engine/store.js";
import type { CronStore } from "../cron-store.js";
import type { RunEventStore, RunQueueStore } from "../queue-store.js";
import type { AssistantStore, RunStore, ThreadStore } from "../records.js";
import type { WebhookStore } from "../webhook-store.js";
import { createMemoryAssistantStore } from "./assistants.js";
import { createMemoryCronStore } from "./crons.js";
import { MemoryDatabase } from "./db.js";
import { createMemoryItemStore } from "./items.js";
import { createMemoryRunEventStore } from "./run-events.js";
import { createMemoryRunQueueStore } from "./run-queue.js";
import { createMemoryRunStore } from "./runs.js";
import { createMemoryThreadStore } from "./threads.js";
import { createMemoryWebhookStore } from "./webhooks.js";

export { createMemoryAssistantStore } from "./assistants.js";
export { MemoryStore } from "./checkpoints.js";
export { createMemoryCronStore } from "./crons.js";
export { MemoryDatabase } from "./db.js";
export { createMemoryItemStore } from "./items.js";
export { createMemoryRunEventStore } from "./run-events.js";
export { createMemoryRunQueueStore } from "./run-queue.js";
export { createMemoryRunStore } from "./runs.js";
export { createMemoryThreadStore } from "./threads.js";
export { createMemoryWebhookStore } from "./webhooks.js";

/** The stores of one memory database (the `MongoStore` fields without the MongoDB-only ones). */
export interface MemoryStores {
  /** Checkpoints and pending writes; `deleteThread` removes only checkpoints, as the MongoDB one does. */
  checkpoints: CheckpointStore;
  threads: ThreadStore;
  runs: RunStore;
  assistants: AssistantStore;
  /** The long-term memory store (docs/store.md). */
  items: ItemStore;
  /** Scheduled runs (docs/crons.md). */
  crons: CronStore;
  /** The run event log; events expire a day after they are written. */
  events: RunEventStore;
  /** Run webhook deliveries, claimed on the run rows. */
  webhooks: WebhookStore;
  /** The run queue (claims, leases, cancellation) over the runs and threads; no change stream. */
  queue: RunQueueStore;
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
    crons: createMemoryCronStore(db),
    events: createMemoryRunEventStore(db),
    webhooks: createMemoryWebhookStore(db),
    queue: createMemoryRunQueueStore(db),
    db,
    async copyThreadCheckpoints(sourceThreadId, targetThreadId) {
      db.checkpoints.copyThread(sourceThreadId, targetThreadId);
    },
  };
}
