/**
 * The fixture of the store contract suites (`thread-store.ts`, `run-store.ts`, …): every store of one database,
 * empty before each test. The memory store (`createMemoryStores`) and the MongoDB store (`createMongoStore`) both
 * provide it; `cleanup` runs after each test.
 */

import {
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointStore,
  type JsonValue,
  newCheckpointId,
} from "../../src/engine/index.js";
import type { ItemStore } from "../../src/engine/item-store.js";
import type { CronStore } from "../../src/store/cron-store.js";
import type { RunEventStore, RunQueueStore } from "../../src/store/queue-store.js";
import type { AssistantStore, RunStore, ThreadStore } from "../../src/store/records.js";
import type { WebhookStore } from "../../src/store/webhook-store.js";

/** The stores under contract, over one database. */
export interface ContractStores {
  checkpoints: CheckpointStore;
  threads: ThreadStore;
  runs: RunStore;
  assistants: AssistantStore;
  items: ItemStore;
  crons: CronStore;
  events: RunEventStore;
  webhooks: WebhookStore;
  queue: RunQueueStore;
  /** Copies a thread's checkpoints to another thread id (`MongoStore.copyThreadCheckpoints`). */
  copyThreadCheckpoints(sourceThreadId: string, targetThreadId: string): Promise<void>;
}

/** What a store factory returns: empty stores and how to clean up after the test. */
export interface StoresFixture {
  stores: ContractStores;
  cleanup?: () => Promise<void>;
}

/** A factory of empty stores, called before each test. */
export type MakeStores = () => Promise<StoresFixture>;

/** A checkpoint with `channelValues`. */
export function checkpoint(id: string, channelValues: Record<string, JsonValue> = {}): Checkpoint {
  return {
    v: 4,
    id,
    ts: new Date().toISOString(),
    channelValues,
    channelVersions: {},
    versionsSeen: {},
  };
}

/** Writes `n` chained checkpoints to `(threadId, ns)` with `extra` metadata; returns their ids, oldest first. */
export async function chain(
  store: CheckpointStore,
  threadId: string,
  n: number,
  ns = "",
  extra: Record<string, JsonValue> = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newCheckpointId(i - 1, ids);
    const metadata: CheckpointMetadata = { source: "loop", step: i - 1, parents: {}, ...extra };
    await store.put({
      threadId,
      checkpointNs: ns,
      checkpoint: checkpoint(id, { step: i }),
      metadata,
      parentCheckpointId: ids[ids.length - 1] ?? null,
    });
    ids.push(id);
  }
  return ids;
}

/** Waits until the clock has moved past `date` (records created after it then sort after it). */
export async function tick(date: Date = new Date()): Promise<void> {
  while (Date.now() <= date.getTime()) await new Promise((r) => setTimeout(r, 1));
}
