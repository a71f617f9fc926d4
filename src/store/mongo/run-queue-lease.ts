/**
 * Claims and leases of the MongoDB `RunQueueStore`. A claim is one `findOneAndUpdate`: pending → running (oldest
 * first), or the re-lease of a running run whose lease expired or whose claim answer was lost (`attempt + 1`).
 * The unique partial index `one_running_per_thread` refuses a second running run on a thread (E11000): that thread
 * is skipped and the next candidate tried. Renew and release are fenced on `lease_owner` and `attempt` (`held`). A
 * reclaim first aborts the open transaction the lease fence may have left behind (`abortFencedSession`).
 */
import type { Binary, Document, MongoClient } from "mongodb";
import type { RunQueueStore } from "../queue-store.js";
import { held, isDuplicateKey, leaseSet, type RunQueueCollections } from "./run-queue-shared.js";
import { fromRunDoc } from "./runs.js";

/** Threads `claimPending` skips at most in one call (each skip is one E11000) before it gives up and throws. */
const MAX_SKIPPED_THREADS = 200;

/** `claimPending`, `claimExpired`, `claimOrphaned`, `renew` and `release` (see `RunQueueStore`). */
export function mongoRunLeases({
  client,
  runs,
}: RunQueueCollections): Pick<
  RunQueueStore,
  "claimPending" | "claimExpired" | "claimOrphaned" | "renew" | "release"
> {
  return {
    async claimPending(owner, leaseMs) {
      const skipped: string[] = [];
      for (;;) {
        const filter: Document = { status: "pending", available_at: { $lte: new Date() } };
        if (skipped.length > 0) filter.thread_id = { $nin: skipped };
        try {
          const doc = await runs.findOneAndUpdate(
            filter,
            { $set: { status: "running", ...leaseSet(owner, leaseMs) } },
            { sort: { created_at: 1, _id: 1 }, returnDocument: "after" },
          );
          return doc ? fromRunDoc(doc) : null;
        } catch (error) {
          const thread = isDuplicateKey(error)
            ? (error.keyValue as Document | undefined)?.thread_id
            : undefined;
          if (typeof thread !== "string" || skipped.length >= MAX_SKIPPED_THREADS) throw error;
          skipped.push(thread);
        }
      }
    },

    async claimExpired(owner, leaseMs) {
      // A running run without a lease (left by an older Loom) counts as expired too.
      const expired = (): Document => ({
        status: "running",
        $or: [{ lease_expires_at: { $lt: new Date() } }, { lease_expires_at: null }],
      });
      // The candidate is read first (a read never waits for a lock) so that the open transaction of a holder that
      // died mid-commit can be aborted before the claim writes the document that transaction holds.
      for (let tries = 0; tries < 3; tries++) {
        const candidate = await runs.findOne(expired(), {
          sort: { lease_expires_at: 1 },
          projection: { _id: 1, fence_session: 1 },
        });
        if (!candidate) return null;
        if (candidate.fence_session) await abortFencedSession(client, candidate.fence_session);
        const doc = await runs.findOneAndUpdate(
          { ...expired(), _id: candidate._id },
          { $set: { ...leaseSet(owner, leaseMs), fence_session: null }, $inc: { attempt: 1 } },
          { returnDocument: "after" },
        );
        // Taken by another reclaimer meanwhile: look for the next one.
        if (doc) return fromRunDoc(doc);
      }
      return null;
    },

    async claimOrphaned(owner, leaseMs, notIn, idleMs) {
      const doc = await runs.findOneAndUpdate(
        {
          status: "running",
          lease_owner: owner,
          _id: { $nin: [...notIn] },
          updated_at: { $lt: new Date(Date.now() - idleMs) },
        },
        { $set: { ...leaseSet(owner, leaseMs), fence_session: null }, $inc: { attempt: 1 } },
        { sort: { updated_at: 1 }, returnDocument: "after" },
      );
      return doc ? fromRunDoc(doc) : null;
    },

    async renew(runId, holder, leaseMs) {
      const doc = await runs.findOneAndUpdate(
        held(runId, holder),
        { $set: leaseSet(holder.owner, leaseMs) },
        { returnDocument: "after", projection: { kwargs: 0, metadata: 0, output: 0 } },
      );
      return doc ? fromRunDoc({ ...doc, kwargs: {}, metadata: {} }) : null;
    },

    async release(runId, holder) {
      await runs.updateOne(held(runId, holder), {
        $set: { status: "pending", lease_owner: null, lease_expires_at: null, updated_at: new Date() },
      });
    },
  };
}

/**
 * Aborts the open transaction of the lease fence's session `id` (`killSessions`, lease-fence.ts), so a claim of the
 * run it fenced need not wait for the server to end it. Best effort: a server that refuses (no such session, no
 * privilege to kill it) leaves the claim to wait as before.
 */
export async function abortFencedSession(client: MongoClient, id: Binary): Promise<void> {
  await client
    .db("admin")
    .command({ killSessions: [{ id }] })
    .catch(() => undefined);
}
