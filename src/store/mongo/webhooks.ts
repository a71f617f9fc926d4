/**
 * `WebhookStore` on MongoDB: the delivery state is a `webhook` sub-document of the run document (`runs.ts`):
 * ```
 * webhook: { state: "delivering"|"delivered"|"failed", claimed_by, claim_expires_at: Date, attempts: int,
 *            last_status: int|null, last_error: string|null, delivered_at?: Date, error?: string, updated_at }
 * ```
 * A claim is one `findOneAndUpdate` on the run document (ended, with `kwargs.webhook`, no live claim), so among any
 * number of replicas one process delivers. None of these writes touch the fields the change stream passes on.
 */
import type { Collection, Document } from "mongodb";
import type { JsonObject } from "../../engine/checkpoint.js";
import { FINAL_RUN_STATUSES } from "../queue-store.js";
import type { WebhookClaim, WebhookStore } from "../webhook-store.js";
import { decodeJson } from "./encoding.js";
import { fromRunDoc, type RunDoc } from "./runs.js";
import type { ThreadDoc } from "./threads.js";

/** A run document with its webhook delivery state. */
type WebhookRunDoc = RunDoc & {
  webhook?: { state: string; claimed_by: string; claim_expires_at: Date; attempts: number };
};

/**
 * Ended runs with a webhook whose delivery nobody holds: never claimed (and, with `endedBefore`, ended by then), or
 * claimed by a process that died.
 */
function dueFilter(now: Date, endedBefore?: Date): Document {
  return {
    "kwargs.webhook": { $exists: true },
    status: { $in: [...FINAL_RUN_STATUSES] },
    $or: [
      endedBefore
        ? { "webhook.state": { $exists: false }, updated_at: { $lte: endedBefore } }
        : { "webhook.state": { $exists: false } },
      { "webhook.state": "delivering", "webhook.claim_expires_at": { $lte: now } },
    ],
  };
}

/** Creates the webhook store over `runs` (and `threads`, read for an errored run's values). */
export function createMongoWebhookStore(options: {
  runs: Collection<RunDoc>;
  threads: Collection<ThreadDoc>;
}): WebhookStore {
  const runs = options.runs as unknown as Collection<WebhookRunDoc>;
  const { threads } = options;

  async function claimWhere(
    filter: Document,
    owner: string,
    claimMs: number,
    settleMs?: number,
  ): Promise<WebhookClaim | null> {
    const now = new Date();
    const endedBefore = settleMs === undefined ? undefined : new Date(now.getTime() - settleMs);
    const doc = await runs.findOneAndUpdate(
      { ...filter, ...dueFilter(now, endedBefore) },
      [
        {
          $set: {
            webhook: {
              state: "delivering",
              claimed_by: { $literal: owner },
              claim_expires_at: new Date(now.getTime() + claimMs),
              attempts: { $ifNull: ["$webhook.attempts", 0] },
              last_status: { $ifNull: ["$webhook.last_status", null] },
              last_error: { $ifNull: ["$webhook.last_error", null] },
              updated_at: now,
            },
          },
        },
      ],
      { returnDocument: "after" },
    );
    if (!doc) return null;
    const run = fromRunDoc(doc);
    const output =
      doc.output === undefined || doc.output === null ? null : (decodeJson(doc.output) as JsonObject);
    const thread = await threads.findOne({ _id: doc.thread_id }, { projection: { values: 1 } });
    const threadValues = (decodeJson(thread?.values ?? null) as JsonObject | null) ?? null;
    return {
      run,
      url: String(run.kwargs.webhook),
      attempts: doc.webhook?.attempts ?? 0,
      output,
      threadValues,
    };
  }

  const held = (runId: string, owner: string) => ({
    _id: runId,
    "webhook.state": "delivering",
    "webhook.claimed_by": owner,
  });

  return {
    claim: (runId, owner, claimMs) => claimWhere({ _id: runId }, owner, claimMs),

    claimDue: (owner, claimMs, settleMs) => claimWhere({}, owner, claimMs, settleMs),

    async recordAttempt(runId, owner, attempt, claimMs) {
      const now = new Date();
      const { matchedCount } = await runs.updateOne(held(runId, owner), {
        $inc: { "webhook.attempts": 1 },
        $set: {
          "webhook.last_status": attempt.status,
          "webhook.last_error": attempt.error,
          "webhook.claim_expires_at": new Date(now.getTime() + claimMs),
          "webhook.updated_at": now,
        },
      });
      if (matchedCount > 0) return "held";
      return (await runs.countDocuments({ _id: runId }, { limit: 1 })) > 0 ? "lost" : "gone";
    },

    async complete(runId, owner, outcome) {
      const now = new Date();
      await runs.updateOne(held(runId, owner), {
        $set: outcome.delivered
          ? { "webhook.state": "delivered", "webhook.delivered_at": now, "webhook.updated_at": now }
          : { "webhook.state": "failed", "webhook.error": outcome.error, "webhook.updated_at": now },
      });
    },
  };
}
