/**
 * The tables the memory stores share, as the MongoDB stores share one database: threads and runs are read and
 * written together (a run makes its thread busy; deleting a thread deletes its runs and checkpoints), webhook
 * deliveries live on the run rows, the queue reads checkpoints. Every store method runs synchronously between two
 * awaits, so each one is atomic as a MongoDB transaction is, and a refused call writes nothing.
 */
import type { JsonObject } from "../../engine/checkpoint.js";
import type { StoreItem } from "../../engine/item-store.js";
import type { CronRecord } from "../cron-store.js";
import type { LoggedEvent } from "../queue-store.js";
import type { AssistantRecord, AssistantVersionRecord, RunRecord, ThreadRecord } from "../records.js";
import { MemoryStore } from "./checkpoints.js";

/** A thread with the counters of `ThreadDoc` (`run_seq` has no use in memory). */
export interface ThreadRow {
  record: ThreadRecord;
  /** Pending + running runs (kept by the queue's `enqueue`/`finish`, as `active_runs`). */
  activeRuns: number;
  /** Writers that may have added checkpoints (`checkpoint_writers`). */
  checkpointWriters: number;
}

/** A run's webhook delivery (the `webhook` sub-document of `webhooks.ts`). */
export interface WebhookRow {
  state: "delivering" | "delivered" | "failed";
  claimedBy: string;
  claimExpiresAt: Date;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

/** A run with the fields of `RunDoc` that are not on the record. */
export interface RunRow {
  record: RunRecord;
  /** The wait body stored when the run finished (`output`). */
  output?: JsonObject;
  /** Processes waiting for the run's end elsewhere (`watchers`). */
  watchers: number;
  /** Set when the run ends: whether it was watched (`end_watched`). */
  endWatched?: boolean;
  webhook?: WebhookRow;
}

/** An item with its TTL and text (the `ItemDoc` fields that are not on `StoreItem`). */
export interface ItemRow {
  item: StoreItem;
  /** Insertion order, the `_id` tie-break of a search. */
  seq: number;
  ttlMinutes?: number;
  text?: string;
}

/** A logged event and when it expires. */
export interface EventRow {
  event: LoggedEvent;
  expireAt: Date;
}

/** The shared tables (see module doc). Maps keep insertion order, MongoDB's natural order here. */
export class MemoryDatabase {
  readonly checkpoints = new MemoryStore();
  readonly threads = new Map<string, ThreadRow>();
  readonly runs = new Map<string, RunRow>();
  readonly assistants = new Map<string, AssistantRecord & { latestVersion: number }>();
  /** assistant id → version → version record. */
  readonly versions = new Map<string, Map<number, AssistantVersionRecord>>();
  /** `${ns}\u0000${key}` → item. */
  readonly items = new Map<string, ItemRow>();
  readonly crons = new Map<string, CronRecord>();
  /** run id → seq → event. */
  readonly events = new Map<string, Map<number, EventRow>>();
  /** Source of `ItemRow.seq`. */
  itemSeq = 0;

  /** The runs of a thread that are pending or running, oldest first (`created_at`, then id). */
  activeRuns(threadId: string, exceptRunId?: string): RunRow[] {
    return [...this.runs.values()]
      .filter(
        (r) =>
          r.record.threadId === threadId &&
          r.record.runId !== exceptRunId &&
          (r.record.status === "pending" || r.record.status === "running"),
      )
      .sort(byCreated);
  }
}

/** Oldest first: `createdAt`, then run id (MongoDB's `{created_at: 1, _id: 1}`). */
export function byCreated(a: RunRow, b: RunRow): number {
  const d = a.record.createdAt.getTime() - b.record.createdAt.getTime();
  if (d !== 0) return d;
  return Buffer.compare(Buffer.from(a.record.runId), Buffer.from(b.record.runId));
}
