/**
 * Storage interface of run webhooks (docs/api.md §5 `webhook`), owned here and implemented by
 * `src/store/mongo/webhooks.ts` (and `src/store/memory/webhooks.ts`). The delivery state lives on the run
 * document, so a delivery is claimed atomically by one process among all replicas; a claim that lapses (its
 * process died mid-delivery) can be taken again.
 */
import type { JsonObject } from "../engine/index.js";
import type { RunRecord } from "./records.js";

/** State of a run's webhook delivery: being delivered (claimed), delivered, or given up after every attempt. */
export type WebhookState = "delivering" | "delivered" | "failed";

/** A delivery claimed by one process. */
export interface WebhookClaim {
  /** The ended run (final status). */
  run: RunRecord;
  /** The `webhook` URL the run was created with. */
  url: string;
  /** POSTs already made by earlier claims (0 for a first claim). */
  attempts: number;
  /** The run's wait body as stored when it ended (values, `__interrupt__`, or `__error__`), or `null`. */
  output: JsonObject | null;
  /** The run's thread's values now, or `null` (the payload's `values` of an errored run). */
  threadValues: JsonObject | null;
}

/** The outcome of one POST: the HTTP status when an answer came, else the error text. */
export interface WebhookAttempt {
  status: number | null;
  error: string | null;
}

/** Run webhook deliveries on the shared database. */
export interface WebhookStore {
  /**
   * Claims the delivery of `runId` for `owner` for `claimMs`: only when the run has ended, has a `webhook`, and its
   * delivery was never claimed or its claim lapsed. `null` otherwise (someone else delivers or delivered it).
   */
  claim(runId: string, owner: string, claimMs: number): Promise<WebhookClaim | null>;
  /**
   * Claims one ended run's delivery that is due (never claimed, or its claim lapsed), any run. `null` when none.
   * With `settleMs`, a never-claimed delivery is due only once its run ended that long ago (ms): the process that
   * ended the run claims it first, with the run's start time.
   */
  claimDue(owner: string, claimMs: number, settleMs?: number): Promise<WebhookClaim | null>;
  /**
   * Records one POST of a delivery `owner` holds (`attempts + 1`, `last_status`, `last_error`) and extends the
   * claim by `claimMs`. `"lost"` (nothing written) when another process holds it now; `"gone"` when the run was
   * deleted meanwhile (a rollback, a stateless run's thread), so nobody else can deliver it either.
   */
  recordAttempt(
    runId: string,
    owner: string,
    attempt: WebhookAttempt,
    claimMs: number,
  ): Promise<"held" | "lost" | "gone">;
  /** Ends a delivery `owner` holds: `delivered` (with `delivered_at`) or `failed` with `error`. */
  complete(
    runId: string,
    owner: string,
    outcome: { delivered: true } | { delivered: false; error: string },
  ): Promise<void>;
}
