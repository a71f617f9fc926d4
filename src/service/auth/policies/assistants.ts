/**
 * Policies of AssistantsService (docs/security.md "Events"): `assistants:create` (an existing id outside the
 * filter: 409), `assistants:read` (get, graph, schemas, subgraphs, versions), `assistants:update` (update, latest),
 * `assistants:delete` (also `threads:delete` with `delete_threads`) — 404 outside the filter — and
 * `assistants:search` (search, count: narrows).
 */
import type { Policy, ServicePolicies } from "./guard.js";
import { metadataOf } from "./values.js";

/** `assistants:read` on the request's assistant (or graph): 404 outside the handler's filter. */
const assistantRead: Policy = async (req, g) => {
  const scope = await g.authorize("assistants", "read", { assistant_id: req.assistantId });
  await g.requireAssistant(req.assistantId, scope);
};

/** `loom.v1.AssistantsService` policies by method. */
export const ASSISTANT_POLICIES: ServicePolicies = {
  async create(req, g) {
    const value = {
      assistant_id: req.assistantId || undefined,
      graph_id: req.graphId,
      config: req.config,
      context: req.context,
      metadata: { ...(req.metadata ?? {}) },
      if_exists: req.ifExists || undefined,
      name: req.name || undefined,
      description: req.description,
    };
    const scope = await g.authorize("assistants", "create", value);
    req.metadata = metadataOf(value) ?? {};
    if (req.assistantId) await g.requireAssistant(req.assistantId, scope, true);
  },
  get: assistantRead,
  getGraph: assistantRead,
  getSchemas: assistantRead,
  getSubgraphs: assistantRead,
  listVersions: assistantRead,
  async setLatest(req, g) {
    const value = { assistant_id: req.assistantId, version: req.version };
    const scope = await g.authorize("assistants", "update", value);
    await g.requireAssistant(req.assistantId, scope);
  },
  async update(req, g) {
    const value: Record<string, unknown> = {
      assistant_id: req.assistantId,
      graph_id: req.graphId,
      config: req.config,
      context: req.context,
      metadata: req.metadata === undefined ? undefined : { ...req.metadata },
      name: req.name,
      description: req.description,
    };
    const scope = await g.authorize("assistants", "update", value);
    const metadata = metadataOf(value);
    if (metadata) req.metadata = metadata;
    await g.requireAssistant(req.assistantId, scope);
  },
  async delete(req, g) {
    const scope = await g.authorize("assistants", "delete", { assistant_id: req.assistantId });
    await g.requireAssistant(req.assistantId, scope);
    // `delete_threads` deletes threads too: only those the caller may delete (the scope narrows their search).
    if (req.deleteThreads)
      g.narrow(await g.authorize("threads", "delete", { assistant_id: req.assistantId }));
  },
  async search(req, g) {
    const value = {
      graph_id: req.graphId || undefined,
      metadata: req.metadata,
      limit: req.limit,
      offset: req.offset,
    };
    g.narrow(await g.authorize("assistants", "search", value));
  },
  async count(req, g) {
    const value = { graph_id: req.graphId || undefined, metadata: req.metadata, limit: 0, offset: 0 };
    g.narrow(await g.authorize("assistants", "search", value));
  },
};
