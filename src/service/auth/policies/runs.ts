/**
 * Policies of RunsService (docs/security.md "Events"): runs are authorized as events on their thread —
 * `threads:create_run` (create, wait, stream, batch), `threads:read` (get, join, join-stream), `threads:search`
 * (list), `threads:update` (cancel, cancel many), `threads:delete` (delete); 404 for a thread outside the filter.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Policy, ServicePolicies } from "./guard.js";
import { threadRead } from "./threads.js";
import { metadataOf } from "./values.js";

/**
 * `threads:create_run` for a stateful or stateless run: the metadata the handler leaves is the run's and is
 * stamped on a thread the run creates; an existing thread outside the filter is 404.
 */
export const createRun: Policy = async (req, g) => {
  const value: Record<string, unknown> = {
    thread_id: req.threadId === "" ? undefined : req.threadId,
    assistant_id: req.assistantId,
    metadata: { ...(req.metadata ?? {}) },
    multitask_strategy: req.multitaskStrategy || undefined,
    if_not_exists: req.ifNotExists || undefined,
    after_seconds: req.afterSeconds || undefined,
    kwargs: { input: req.input, config: req.config, context: req.context },
  };
  const scope = await g.authorize("threads", "create_run", value);
  const metadata = metadataOf(value) ?? {};
  req.metadata = metadata;
  g.stampThreads(metadata);
  if (req.threadId !== "") await g.requireThread(req.threadId, scope);
};

/**
 * `loom.v1.RunsService` policies by method. Cancelling by status reaches every thread, so it needs an
 * authorization that does not narrow the threads (else PermissionDenied).
 */
export const RUN_POLICIES: ServicePolicies = {
  create: createRun,
  wait: createRun,
  stream: createRun,
  get: threadRead,
  join: threadRead,
  joinStream: threadRead,
  async list(req, g) {
    const value = { thread_id: req.threadId, status: req.status || undefined };
    await g.requireThread(req.threadId, await g.authorize("threads", "search", value));
  },
  async cancel(req, g) {
    const value = { thread_id: req.threadId, run_ids: [req.runId], action: req.action || "interrupt" };
    await g.requireThread(req.threadId, await g.authorize("threads", "update", value));
  },
  async delete(req, g) {
    const value = { thread_id: req.threadId, run_id: req.runId };
    await g.requireThread(req.threadId, await g.authorize("threads", "delete", value));
  },
  async createBatch(req, g) {
    for (const item of req.runs) await createRun(item, g);
  },
  async cancelMany(req, g) {
    const f = req.filter ?? {};
    const value = {
      thread_id: f.threadId || undefined,
      run_ids: f.runIds ?? [],
      status: f.status || undefined,
      action: req.action || "interrupt",
    };
    const scope = await g.authorize("threads", "update", value);
    if (f.threadId) await g.requireThread(f.threadId, scope);
    else if (scope)
      throw new ConnectError("cancel by status needs an unscoped authorization", Code.PermissionDenied);
  },
};
