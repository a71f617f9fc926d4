/**
 * `WebhookStore` in memory, with the semantics of `src/store/mongo/webhooks.ts`: the delivery state lives on the
 * run row; a delivery is due when its run ended, has `kwargs.webhook`, and was never claimed (with `settleMs`: its
 * run ended that long ago) or its claim lapsed. `claimDue` takes the first due run in insertion order, MongoDB's
 * natural order on an unsorted `findOneAndUpdate`.
 */
import type { JsonObject } from "../../engine/checkpoint.js";
import { FINAL_RUN_STATUSES } from "../queue-store.js";
import type { WebhookClaim, WebhookStore } from "../webhook-store.js";
import type { MemoryDatabase, RunRow } from "./db.js";
import { clone } from "./match.js";

/** Creates the webhook store over the runs (and threads) of `db`. */
export function createMemoryWebhookStore(db: MemoryDatabase): WebhookStore {
  const due = (run: RunRow, now: number, endedBefore?: number): boolean => {
    if (!Object.hasOwn(run.record.kwargs, "webhook") || !FINAL_RUN_STATUSES.includes(run.record.status))
      return false;
    if (!run.webhook) return endedBefore === undefined || run.record.updatedAt.getTime() <= endedBefore;
    return run.webhook.state === "delivering" && run.webhook.claimExpiresAt.getTime() <= now;
  };

  const claimRun = (run: RunRow, owner: string, claimMs: number, now: number): WebhookClaim => {
    run.webhook = {
      state: "delivering",
      claimedBy: owner,
      claimExpiresAt: new Date(now + claimMs),
      attempts: run.webhook?.attempts ?? 0,
      lastStatus: run.webhook?.lastStatus ?? null,
      lastError: run.webhook?.lastError ?? null,
    };
    const values = db.threads.get(run.record.threadId)?.record.values ?? null;
    return {
      run: clone(run.record),
      url: String(run.record.kwargs.webhook),
      attempts: run.webhook.attempts,
      output: run.output === undefined ? null : (clone(run.output) as JsonObject),
      threadValues: clone(values),
    };
  };

  const held = (runId: string, owner: string): RunRow | undefined => {
    const run = db.runs.get(runId);
    return run?.webhook?.state === "delivering" && run.webhook.claimedBy === owner ? run : undefined;
  };

  return {
    async claim(runId, owner, claimMs) {
      const now = Date.now();
      const run = db.runs.get(runId);
      return run && due(run, now) ? claimRun(run, owner, claimMs, now) : null;
    },

    async claimDue(owner, claimMs, settleMs) {
      const now = Date.now();
      const endedBefore = settleMs === undefined ? undefined : now - settleMs;
      for (const run of db.runs.values()) {
        if (due(run, now, endedBefore)) return claimRun(run, owner, claimMs, now);
      }
      return null;
    },

    async recordAttempt(runId, owner, attempt, claimMs) {
      const run = held(runId, owner);
      if (!run?.webhook) return db.runs.has(runId) ? "lost" : "gone";
      run.webhook.attempts++;
      run.webhook.lastStatus = attempt.status;
      run.webhook.lastError = attempt.error;
      run.webhook.claimExpiresAt = new Date(Date.now() + claimMs);
      return "held";
    },

    async complete(runId, owner, outcome) {
      const run = held(runId, owner);
      if (run?.webhook) run.webhook.state = outcome.delivered ? "delivered" : "failed";
    },
  };
}
