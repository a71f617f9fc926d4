/**
 * Cancelling a run from any replica (docs/api.md §5): a pending run ends now (`interrupted`, or deleted under
 * `rollback`); a running one is asked to stop through the queue, and at once when it executes here.
 */
import { RunNotFoundError } from "../store/errors.js";
import { FINAL_RUN_STATUSES } from "../store/queue-store.js";
import type { CancelAction, RunRecord } from "../store/records.js";
import type { LocalRuns } from "./local-runs.js";
import { graphIdOf } from "./metrics.js";
import type { RunWaiters } from "./run-waiters.js";
import type { RuntimeDeps } from "./types.js";

/** A pending run ended by a cancel (`interrupted`, or deleted for `rollback`): its graph is in its plan. */
function reportPendingCancel(deps: RuntimeDeps, record: RunRecord): void {
  deps.resolve(record).then(
    (plan) => deps.metrics?.runEnded(graphIdOf(plan.metadata), "interrupted", undefined),
    () => deps.metrics?.runEnded(graphIdOf(undefined), "interrupted", undefined),
  );
}

/**
 * `RunRuntime.cancel`: asks the queue to cancel, reports a pending run's end (metrics, and its webhook under
 * `interrupt`), stops the execution here if any and, with `wait`, resolves once the run has ended (a run rolled
 * back meanwhile counts as ended).
 * @throws RunNotFoundError when the thread has no such run.
 */
export async function cancelRun(
  deps: RuntimeDeps,
  local: LocalRuns,
  waiters: RunWaiters,
  request: { runId: string; threadId: string; action: CancelAction; wait: boolean },
): Promise<void> {
  const { runId, threadId, action, wait } = request;
  const before = await deps.queue.requestCancel(runId, threadId, action);
  if (before.status === "pending" && deps.metrics) reportPendingCancel(deps, before);
  // A pending run ends here and now (`interrupted`); a rolled-back one is gone and sends nothing.
  if (before.status === "pending" && action === "interrupt" && typeof before.kwargs.webhook === "string") {
    await deps.webhooks?.runEnded(runId).catch((e: unknown) => deps.onError?.(e, runId));
  }
  local.get(runId)?.stop(action);
  if (!wait || FINAL_RUN_STATUSES.includes(before.status)) return;
  await waiters.waitFor(runId).catch((error: unknown) => {
    if (!(error instanceof RunNotFoundError)) throw error;
  });
}
