/**
 * The MongoDB store: the engine's `CheckpointStore` plus the API's thread, run and assistant stores over one
 * database. `createMongoStore` wires collections (no I/O); `connectMongoStore` connects, creates the indexes and
 * owns the client.
 */
import { type Db, MongoClient, type MongoClientOptions } from "mongodb";
import type { ItemStore } from "../../engine/item-store.js";
import type { CheckpointStore } from "../../engine/store.js";
import type { CronStore } from "../cron-store.js";
import type { LeaseFence, RunEventStore, RunQueueStore } from "../queue-store.js";
import type { AssistantStore, RunStore, ThreadStore } from "../records.js";
import type { WebhookStore } from "../webhook-store.js";
import { type AssistantDoc, type AssistantVersionDoc, createMongoAssistantStore } from "./assistants.js";
import type { CheckpointDoc } from "./checkpoint-docs.js";
import { createMongoCheckpointStore } from "./checkpoints.js";
import { COLLECTIONS, type CollectionNames } from "./collections.js";
import { type CronDoc, createMongoCronStore } from "./crons.js";
import { ensureIndexes } from "./indexes.js";
import type { ItemDoc } from "./item-docs.js";
import { createMongoItemStore } from "./items.js";
import { createMongoLeaseFence } from "./lease-fence.js";
import { createMongoRunEventStore, type RunEventDoc } from "./run-events.js";
import { createMongoRunQueueStore } from "./run-queue.js";
import { createMongoRunStore, type RunDoc } from "./runs.js";
import { requireReplicaSet } from "./server-check.js";
import { createMongoThreadStore, type ThreadDoc } from "./threads.js";
import { createMongoWebhookStore } from "./webhooks.js";

/**
 * Options of every collection of the store.
 * - `fieldsAsRaw`: works around a driver 7.x deserialization bug: its default is `{}`, so an array under a key named
 *   like an `Object.prototype` member (`constructor`, `toString`, `__proto__`, …) comes back as raw BSON `Buffer`s.
 *   A null-prototype object has no such members.
 * - `enableUtf8Validation: false`: half of the decoding time of a state-heavy document goes to UTF-8 validation
 *   (0.41 → 0.21 ms for ten 8 KiB checkpoints). Everything the store writes is valid UTF-8 (the driver encodes
 *   JS strings; lone surrogates are escaped first, `encoding.ts`); a foreign invalid byte would decode to U+FFFD
 *   instead of failing the read.
 */
export const COLLECTION_OPTIONS = Object.freeze({
  fieldsAsRaw: Object.freeze(Object.create(null)),
  enableUtf8Validation: false,
});

/** Everything the service needs from storage. */
export interface MongoStore {
  /** Checkpoints and pending writes (engine interface); `deleteThread` also removes the thread's runs. */
  checkpoints: CheckpointStore;
  threads: ThreadStore;
  runs: RunStore;
  assistants: AssistantStore;
  /** Run webhook deliveries, claimed on the run documents. */
  webhooks: WebhookStore;
  /** The run queue (claims, leases, cancellation) over `runs` and `threads`. */
  queue: RunQueueStore;
  /** The run event log (`run_events`). */
  events: RunEventStore;
  /** The step writes of a run's execution, committed only while its lease holds (`lease-fence.ts`). */
  leaseFence: LeaseFence;
  /** The long-term memory store (`store_items`, docs/store.md). */
  items: ItemStore;
  /** Scheduled runs (`crons`, docs/crons.md). */
  crons: CronStore;
  /** The database in use. */
  db: Db;
  /** Creates every index; idempotent, call at start-up (`indexes.ts`). */
  ensureIndexes(): Promise<void>;
  /**
   * Copies every checkpoint (all namespaces, with pending writes, ids and parent links unchanged) of `sourceThreadId`
   * to `targetThreadId` in one server-side command, setting `metadata.thread_id` to the target (docs/api.md §3
   * `POST /threads/{id}/copy`). Cost: one round trip whatever the thread length.
   * @throws MongoServerError (code 11000) when the target thread already holds one of the checkpoint ids; the copy
   *   may then be partial, so copy into a fresh thread id.
   */
  copyThreadCheckpoints(sourceThreadId: string, targetThreadId: string): Promise<void>;
}

/** Options of {@link createMongoStore}. */
export interface CreateMongoStoreOptions {
  client: MongoClient;
  /** Database name. @default the client's default database (from the URI) */
  dbName?: string;
  /** Collection names. @default COLLECTIONS */
  collections?: Partial<CollectionNames>;
  /** Largest checkpoint document accepted, in bytes. @default 16 MiB */
  maxDocumentBytes?: number;
}

/** Wires the stores over `client` (no I/O). Call `ensureIndexes()` before serving. */
export function createMongoStore(options: CreateMongoStoreOptions): MongoStore {
  const { client } = options;
  const db = client.db(options.dbName);
  const names: CollectionNames = { ...COLLECTIONS, ...options.collections };
  const checkpoints = db.collection<CheckpointDoc>(names.checkpoints, COLLECTION_OPTIONS);
  const threads = db.collection<ThreadDoc>(names.threads, COLLECTION_OPTIONS);
  const runs = db.collection<RunDoc>(names.runs, COLLECTION_OPTIONS);
  const assistants = db.collection<AssistantDoc>(names.assistants, COLLECTION_OPTIONS);
  const anyRuns = db.collection(names.runs, COLLECTION_OPTIONS);
  const maxBytes =
    options.maxDocumentBytes !== undefined ? { maxDocumentBytes: options.maxDocumentBytes } : {};
  const checkpointStore = createMongoCheckpointStore({ checkpoints, ...maxBytes });
  const eventDocs = db.collection<RunEventDoc>(names.run_events, COLLECTION_OPTIONS);
  const eventStore = createMongoRunEventStore({ events: eventDocs });
  return {
    checkpoints: checkpointStore,
    threads: createMongoThreadStore({
      threads,
      runs: anyRuns,
      checkpoints: db.collection(names.checkpoints),
    }),
    runs: createMongoRunStore({ client, runs, threads }),
    assistants: createMongoAssistantStore({
      assistants,
      versions: db.collection<AssistantVersionDoc>(names.assistant_versions, COLLECTION_OPTIONS),
    }),
    queue: createMongoRunQueueStore({
      client,
      runs,
      threads,
      checkpoints: db.collection(names.checkpoints, COLLECTION_OPTIONS),
    }),
    webhooks: createMongoWebhookStore({ runs, threads }),
    events: eventStore,
    leaseFence: createMongoLeaseFence({
      client,
      runs,
      checkpoints,
      events: eventDocs,
      store: checkpointStore,
      eventStore,
      ...maxBytes,
    }),
    items: createMongoItemStore({
      items: db.collection<ItemDoc>(names.store_items, COLLECTION_OPTIONS),
    }),
    crons: createMongoCronStore({ crons: db.collection<CronDoc>(names.crons, COLLECTION_OPTIONS) }),
    db,
    ensureIndexes: () => ensureIndexes(db, names),
    async copyThreadCheckpoints(sourceThreadId, targetThreadId) {
      await checkpoints
        .aggregate([
          { $match: { thread_id: { $eq: sourceThreadId } } },
          { $unset: "_id" },
          {
            $set: {
              thread_id: { $literal: targetThreadId },
              "metadata.thread_id": { $literal: targetThreadId },
            },
          },
          { $merge: { into: names.checkpoints, whenMatched: "fail", whenNotMatched: "insert" } },
        ])
        .toArray();
    },
  };
}

/** A store that owns its client. */
export interface ConnectedMongoStore extends MongoStore {
  client: MongoClient;
  /** Closes the client. */
  close(): Promise<void>;
}

/**
 * Connects to `uri`, checks that the server is a replica set (`ReplicaSetRequiredError` otherwise), creates the
 * indexes and returns a store that owns the client. The driver reconnects by
 * itself after the server comes back; operations issued while it is down fail after `serverSelectionTimeoutMS`
 * (driver default 30 s) with a `MongoServerSelectionError`, and retryable writes are retried once.
 */
export async function connectMongoStore(
  uri: string,
  options: Omit<CreateMongoStoreOptions, "client"> & { clientOptions?: MongoClientOptions } = {},
): Promise<ConnectedMongoStore> {
  const client = await MongoClient.connect(uri, options.clientOptions);
  try {
    const store = createMongoStore({ ...options, client });
    await requireReplicaSet(store.db);
    await store.ensureIndexes();
    return { ...store, client, close: () => client.close() };
  } catch (error) {
    await client.close();
    throw error;
  }
}
