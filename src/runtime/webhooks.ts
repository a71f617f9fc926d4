/**
 * Run webhooks (docs/api.md §5 `webhook`, docs/operations.md "Webhooks"): when a run created with `webhook` ends —
 * `success`, `error`, `interrupted` (a cancel, or a pause at an interrupt), `timeout` — the process that ended it
 * claims the delivery on the run document and POSTs the run to the URL, as the Python server does: the run object
 * plus `run_started_at`, `run_ended_at`, `webhook_sent_at`, the final `values`, and `error` for a failed run.
 * A failed POST (no answer, a timeout, 408, 429 or 5xx) is retried with exponential backoff up to `attempts`
 * POSTs; another 4xx gives up at once. Each POST's outcome and the delivery's end are recorded on the run. One
 * process among all replicas holds a delivery; a claim whose process died lapses and any replica's periodic
 * recovery takes it over with the attempts left. A crash between a successful POST and its record repeats that POST
 * (at-least-once then).
 */
import type { JsonObject, JsonValue } from "../engine/index.js";
import type { RunRecord } from "../store/records.js";
import type { WebhookClaim, WebhookStore } from "../store/webhook-store.js";

/** Delivery tuning (src/config.ts `LOOM_WEBHOOK_*`). */
export interface WebhookSettings {
  /** Most POSTs per delivery, the first included. */
  attempts: number;
  /** Deadline of one POST, in ms. */
  timeoutMs: number;
  /** Wait before the second POST, in ms; doubled before each later one. */
  backoffMs: number;
  /** How often each process looks for deliveries nobody holds (never claimed, or whose process died), in ms. */
  recoveryMs: number;
}

/** The defaults: 3 POSTs, 10 s each, 1 s then 2 s apart; recovery every 30 s. */
export const WEBHOOK_DEFAULTS: Readonly<WebhookSettings> = {
  attempts: 3,
  timeoutMs: 10_000,
  backoffMs: 1000,
  recoveryMs: 30_000,
};

/** The dispatcher of one process. */
export interface WebhookDispatcher {
  /**
   * A run with a `webhook` ended here: claims its delivery (awaited, so it happens before e.g. a stateless run's
   * thread is deleted) and delivers it in the background. `startedAt`: when its execution began, if known.
   */
  runEnded(runId: string, startedAt?: Date): Promise<void>;
  /** Starts the periodic recovery of deliveries nobody holds. */
  start(): void;
  /** Stops the recovery and aborts the deliveries in flight (their claims lapse; another replica resumes them). */
  close(): Promise<void>;
}

/** What the dispatcher needs. */
export interface WebhookDeps {
  store: WebhookStore;
  /** This process's id (the claim owner). */
  owner: string;
  settings?: Partial<WebhookSettings>;
  /** Hears deliveries given up and store errors (for logging). */
  onError?: (error: unknown, runId?: string) => void;
}

/** The run as the REST API shows it (docs/api.md §4 "Run"). */
function runJson(run: RunRecord): JsonObject {
  return {
    run_id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    status: run.status,
    metadata: run.metadata,
    kwargs: run.kwargs,
    multitask_strategy: run.multitaskStrategy,
  };
}

/**
 * The JSON POSTed for a claimed delivery (the Python server's `call_webhook` payload): the run, its times, `values`
 * (the final state; the thread's values when the run failed or ended without output) and `error` for a failed run.
 */
export function webhookPayload(claim: WebhookClaim, startedAt: Date | undefined, now: Date): JsonObject {
  const output = claim.output;
  const error = output?.__error__;
  let values: JsonValue = claim.threadValues;
  if (output && error === undefined) {
    const { __interrupt__: _interrupts, ...rest } = output;
    values = rest;
  }
  return {
    ...runJson(claim.run),
    run_started_at: startedAt ? startedAt.toISOString() : null,
    run_ended_at: claim.run.updatedAt.toISOString(),
    webhook_sent_at: now.toISOString(),
    values,
    ...(error !== undefined ? { error } : {}),
  };
}

/** Whether a POST that answered `status` is worth another try. */
function retriable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * How long after a run ended recovery leaves its never-claimed delivery to the process that ended it (which claims
 * it at once, knowing the run's start time); after that the process is taken for dead before it could claim.
 */
const RECOVERY_SETTLE_MS = 2000;

/** Creates the dispatcher. */
export function createWebhookDispatcher(deps: WebhookDeps): WebhookDispatcher {
  const settings = { ...WEBHOOK_DEFAULTS, ...deps.settings };
  const { store, owner } = deps;
  // Long enough for every POST and wait left; each recorded POST extends it.
  const claimMs = settings.timeoutMs + settings.backoffMs * 2 ** Math.max(0, settings.attempts - 2) + 5000;
  const closing = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let recovering = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      closing.signal.addEventListener("abort", () => {
        clearTimeout(t);
        resolve();
      });
    });

  async function deliver(claim: WebhookClaim, startedAt: Date | undefined): Promise<void> {
    const runId = claim.run.runId;
    let lastError = "no attempt left";
    for (let n = claim.attempts; n < settings.attempts; n++) {
      if (n > 0) await sleep(settings.backoffMs * 2 ** Math.max(0, n - 1));
      if (closing.signal.aborted) return;
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(claim.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(webhookPayload(claim, startedAt, new Date())),
          signal: AbortSignal.any([AbortSignal.timeout(settings.timeoutMs), closing.signal]),
          redirect: "follow",
        });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (e) {
        if (closing.signal.aborted) return; // shutting down: the claim lapses, another replica resumes it
        error =
          e instanceof Error
            ? `${e.name}: ${(e.cause as Error | undefined)?.message ?? e.message}`
            : String(e);
      }
      const held = await store.recordAttempt(runId, owner, { status, error }, claimMs);
      if (held === "lost") return; // another process took the delivery over
      if (error === null) {
        if (held === "held") await store.complete(runId, owner, { delivered: true });
        return;
      }
      lastError = error;
      if (status !== null && !retriable(status)) break;
    }
    deps.onError?.(new Error(`webhook ${claim.url} not delivered: ${lastError}`), runId);
    await store.complete(runId, owner, { delivered: false, error: lastError });
  }

  function track(claim: WebhookClaim, startedAt?: Date): void {
    const p = deliver(claim, startedAt).catch((error: unknown) => deps.onError?.(error, claim.run.runId));
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  }

  async function recover(): Promise<void> {
    if (recovering || closing.signal.aborted) return;
    recovering = true;
    try {
      for (let i = 0; i < 100 && !closing.signal.aborted; i++) {
        const claim = await store.claimDue(owner, claimMs, RECOVERY_SETTLE_MS);
        if (!claim) break;
        track(claim);
      }
    } catch (error) {
      deps.onError?.(error);
    } finally {
      recovering = false;
    }
  }

  return {
    async runEnded(runId, startedAt) {
      if (closing.signal.aborted) return;
      const claim = await store.claim(runId, owner, claimMs);
      if (claim) track(claim, startedAt);
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void recover(), settings.recoveryMs);
      timer.unref();
      void recover();
    },
    async close() {
      clearInterval(timer);
      closing.abort();
      await Promise.all([...inFlight]);
    },
  };
}
