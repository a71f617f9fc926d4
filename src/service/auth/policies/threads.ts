/**
 * Policies of ThreadsService (docs/security.md "Events"): `threads:create` (an existing id outside the filter:
 * 409), `threads:read` (get, state, history, stream, copy), `threads:update` (update, update_state),
 * `threads:delete` (delete, prune) — 404 outside the filter — and `threads:search` (search, count: narrows).
 */
import type { Policy, ServicePolicies } from "./guard.js";
import { metadataOf } from "./values.js";

/** `threads:read` on the request's thread (and run, when it names one): 404 outside the handler's filter. */
export const threadRead: Policy = async (req, g) => {
  const value: Record<string, unknown> = { thread_id: req.threadId };
  if (req.runId) value.run_id = req.runId;
  await g.requireThread(req.threadId, await g.authorize("threads", "read", value));
};

/** `loom.v1.ThreadsService` policies by method. */
export const THREAD_POLICIES: ServicePolicies = {
  async create(req, g) {
    const value = {
      thread_id: req.threadId || undefined,
      metadata: { ...(req.metadata ?? {}) },
      if_exists: req.ifExists || undefined,
    };
    const scope = await g.authorize("threads", "create", value);
    req.metadata = metadataOf(value) ?? {};
    if (req.threadId) await g.refuseForeignThread(req.threadId, scope);
  },
  get: threadRead,
  getState: threadRead,
  getHistory: threadRead,
  stream: threadRead,
  async copy(req, g) {
    await threadRead(req, g);
    await g.authorize("threads", "create", { thread_id: undefined, metadata: {} });
  },
  async update(req, g) {
    const value = { thread_id: req.threadId, metadata: { ...(req.metadata ?? {}) } };
    const scope = await g.authorize("threads", "update", value);
    req.metadata = metadataOf(value) ?? {};
    await g.requireThread(req.threadId, scope);
  },
  async updateState(req, g) {
    await g.requireThread(req.threadId, await g.authorize("threads", "update", { thread_id: req.threadId }));
  },
  async delete(req, g) {
    await g.requireThread(req.threadId, await g.authorize("threads", "delete", { thread_id: req.threadId }));
  },
  async prune(req, g) {
    // As the Python server: one `delete` authorization for all, then each thread must be visible (else 404).
    const scope = await g.authorize("threads", "delete", { thread_ids: [...req.threadIds] });
    for (const threadId of req.threadIds) await g.requireThread(threadId, scope);
  },
  async search(req, g) {
    const value = {
      metadata: req.metadata,
      ids: req.ids,
      status: req.status || undefined,
      values: req.values,
      limit: req.limit,
      offset: req.offset,
    };
    g.narrow(await g.authorize("threads", "search", value));
  },
  async count(req, g) {
    const value = { metadata: req.metadata, values: req.values, status: req.status || undefined };
    g.narrow(await g.authorize("threads", "search", value));
  },
};
