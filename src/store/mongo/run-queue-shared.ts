/**
 * What the pieces of the MongoDB `RunQueueStore` share: the collections they write, the lease fence and the
 * duplicate-key test that tells a thread's second running run (`one_running_per_thread`) from a run id taken twice.
 */
import type { Collection, Document, MongoClient } from "mongodb";
import { MongoServerError } from "mongodb";
import type { RunHolder } from "../queue-store.js";
import { ACTIVE_RUN_STATUSES } from "../records.js";
import type { RunDoc } from "./runs.js";
import type { ThreadDoc } from "./threads.js";

/** The collections of the queue (documents of `runs.ts`, `threads.ts`); `client` starts the transactions. */
export interface RunQueueCollections {
  client: MongoClient;
  runs: Collection<RunDoc>;
  threads: Collection<ThreadDoc>;
  checkpoints: Collection<Document>;
}

/** A filter on `status` matching the runs that hold their thread (`pending`, `running`). */
export const ACTIVE = { $in: [...ACTIVE_RUN_STATUSES] };

/** True for MongoDB's E11000 duplicate-key error (its `keyPattern`/`keyValue` name the index's fields). */
export function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === 11000;
}

/**
 * The filter of a running run still held by `holder`: renew, finish and release match it, so an execution that lost
 * its lease (to another worker, or to its own process reclaiming the run with `attempt + 1`) writes nothing.
 */
export function held(runId: string, holder: RunHolder): Document {
  return { _id: runId, lease_owner: holder.owner, attempt: holder.attempt, status: "running" };
}

/** The `$set` of a lease for `owner` ending `leaseMs` milliseconds from now (also bumps `updated_at`). */
export function leaseSet(owner: string, leaseMs: number): Document {
  const now = new Date();
  return { lease_owner: owner, lease_expires_at: new Date(now.getTime() + leaseMs), updated_at: now };
}
