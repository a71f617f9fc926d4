/**
 * Every index of the Mongo store, created idempotently at start-up by `ensureIndexes()` (DESIGN.md).
 * `createIndexes` with the same name and keys is a no-op on the server, so calling it on every start is safe.
 */
import type { Db, IndexDescription } from "mongodb";
import { COLLECTIONS, type CollectionNames } from "./collections.js";

/** Index descriptions per logical collection. */
export const INDEXES: Readonly<Record<keyof CollectionNames, IndexDescription[]>> = {
  checkpoints: [
    // Head, by id, history newest-first with `before`: equality on the prefix, range + sort on checkpoint_id.
    // Unique: two writers can never store the same checkpoint id twice.
    {
      name: "thread_ns_checkpoint",
      key: { thread_id: 1, checkpoint_ns: 1, checkpoint_id: -1 },
      unique: true,
    },
    // History filtered by metadata.source (e.g. {source: "update"}), still cost ∝ limit.
    {
      name: "thread_ns_source_checkpoint",
      key: { thread_id: 1, checkpoint_ns: 1, source: 1, checkpoint_id: -1 },
    },
    // The run fence: one run writes at most one input/loop/fork child of a checkpoint, so a stale
    // attempt of a reclaimed run cannot fork the thread (`checkpoint-docs.ts`; only those documents have `run_id`).
    {
      name: "one_child_per_run",
      key: { thread_id: 1, checkpoint_ns: 1, parent_checkpoint_id: 1, run_id: 1 },
      unique: true,
      partialFilterExpression: { run_id: { $type: "string" } },
    },
  ],
  threads: [
    { name: "created_at", key: { created_at: -1 } },
    { name: "updated_at", key: { updated_at: -1 } },
    { name: "status_created_at", key: { status: 1, created_at: -1 } },
    { name: "graph_id_created_at", key: { "metadata.graph_id": 1, created_at: -1 } },
    // The TTL sweeper's scan (docs/api.md §3 "Thread TTL"); only threads with a TTL are indexed.
    { name: "ttl_expires_at", key: { "ttl.expires_at": 1 }, sparse: true },
  ],
  runs: [
    { name: "thread_created_at", key: { thread_id: 1, created_at: -1, _id: -1 } },
    // Active runs of a thread (busy check) and, for the run queue, pending runs by availability.
    { name: "thread_status", key: { thread_id: 1, status: 1, created_at: 1 } },
    { name: "status_available_at", key: { status: 1, available_at: 1 } },
    // The queue's claim order (oldest pending first) and lease expiry scans.
    { name: "status_created_at", key: { status: 1, created_at: 1 } },
    { name: "status_lease_expires_at", key: { status: 1, lease_expires_at: 1 } },
    // At most one running run per thread, whatever the number of workers and processes.
    {
      name: "one_running_per_thread",
      key: { thread_id: 1 },
      unique: true,
      partialFilterExpression: { status: "running" },
    },
    // Webhook deliveries left undone (never claimed, or claimed by a process that died): `webhooks.ts`.
    {
      name: "webhook_due",
      key: { status: 1, "webhook.state": 1, "webhook.claim_expires_at": 1 },
      partialFilterExpression: { "kwargs.webhook": { $exists: true } },
    },
  ],
  run_events: [
    { name: "run_seq", key: { run_id: 1, seq: 1 }, unique: true },
    // Each event carries its own expiry time.
    { name: "expire_at", key: { expire_at: 1 }, expireAfterSeconds: 0 },
  ],
  store_items: [
    // One item per (namespace, key); `ns` is the dot-joined namespace, so the index is not multikey. Its prefix
    // also serves namespace-prefix searches (an anchored regex on `ns`).
    { name: "ns_key", key: { ns: 1, key: 1 }, unique: true },
    // Listing without a namespace prefix, most recently updated first.
    { name: "updated_at", key: { updated_at: -1 } },
    // `query` searches; the language field is renamed so a top-level field never picks the stemming language.
    { name: "text", key: { text: "text" }, language_override: "text_language" },
    // Items stored with a `ttl` carry their own expiry time; reads skip expired items before the monitor runs.
    { name: "expires_at", key: { expires_at: 1 }, expireAfterSeconds: 0 },
  ],
  crons: [
    // The schedulers' poll: enabled crons by next tick (disabled ones are not indexed).
    {
      name: "due",
      key: { next_run_date: 1 },
      partialFilterExpression: { enabled: true },
    },
    // The schedulers' search for claims a replica never released (only crons with a tick in flight are indexed).
    { name: "claim_at", key: { "claim.at": 1 }, partialFilterExpression: { "claim.at": { $exists: true } } },
    { name: "created_at", key: { created_at: -1 } },
    { name: "assistant_created_at", key: { assistant_id: 1, created_at: -1 } },
    { name: "thread_created_at", key: { thread_id: 1, created_at: -1 } },
  ],
  assistants: [
    { name: "created_at", key: { created_at: -1 } },
    { name: "graph_id_created_at", key: { graph_id: 1, created_at: -1 } },
  ],
  // One document per (assistant, version); listing reads it newest first.
  assistant_versions: [{ name: "assistant_version", key: { assistant_id: 1, version: -1 }, unique: true }],
};

/**
 * Creates every index (idempotent). `names` maps logical collections to real names (default `COLLECTIONS`).
 * @throws MongoServerError when an index of the same name exists with other keys or options (a schema drift to fix
 *   by hand, never silently dropped).
 */
export async function ensureIndexes(db: Db, names: CollectionNames = COLLECTIONS): Promise<void> {
  await Promise.all(
    (Object.keys(INDEXES) as (keyof CollectionNames)[]).map((logical) =>
      db.collection(names[logical]).createIndexes(INDEXES[logical]),
    ),
  );
}
