/**
 * Policies of CronsService (docs/security.md "Events"): `crons:create` (then `threads:read` for a thread's cron),
 * `crons:read` / `crons:update` / `crons:delete` (404 outside the filter), `crons:search` (search, count: narrows).
 */
import { jsonFromValue } from "../../convert.js";
import type { Policy, ServicePolicies } from "./guard.js";
import { metadataOf } from "./values.js";

/**
 * Creating a cron raises `crons:create` (the metadata a handler stamps is the cron's, and so each tick's run's),
 * then, for a cron on a thread, `threads:read` on that thread, as the Python server (`grpc/ops/crons.py`).
 */
const createCron: Policy = async (req, g) => {
  const value: Record<string, unknown> = {
    payload: {
      assistant_id: req.assistantId,
      input: req.input,
      config: req.config,
      context: req.context,
      multitask_strategy: req.multitaskStrategy || undefined,
    },
    schedule: req.schedule,
    thread_id: req.threadId === "" ? undefined : req.threadId,
    on_run_completed: req.onRunCompleted,
    end_time: req.endTime,
    metadata: { ...(req.metadata ?? {}) },
  };
  await g.authorize("crons", "create", value);
  req.metadata = metadataOf(value) ?? {};
  if (req.threadId !== "") {
    const scope = await g.authorize("threads", "read", { thread_id: req.threadId });
    await g.requireThread(req.threadId, scope);
  }
};

/** `crons:<action>` on one cron: 404 when it is outside the handler's filter. */
const onCron =
  (action: "read" | "delete"): Policy =>
  async (req, g) => {
    await g.requireCron(req.cronId, await g.authorize("crons", action, { cron_id: req.cronId }));
  };

/** `crons:search` for a search or count: the filter narrows the query. */
const searchCrons: Policy = async (req, g) => {
  const value = {
    assistant_id: req.assistantId,
    thread_id: req.threadId,
    limit: req.limit,
    offset: req.offset,
    metadata: req.metadata,
  };
  g.narrow(await g.authorize("crons", "search", value));
};

/** `loom.v1.CronsService` policies by method. */
export const CRON_POLICIES: ServicePolicies = {
  create: createCron,
  get: onCron("read"),
  delete: onCron("delete"),
  async update(req, g) {
    const value: Record<string, unknown> = {
      cron_id: req.cronId,
      schedule: req.schedule,
      end_time: jsonFromValue(req.endTime),
      enabled: req.enabled,
      metadata: req.metadata === undefined ? undefined : { ...req.metadata },
    };
    const scope = await g.authorize("crons", "update", value);
    const metadata = metadataOf(value);
    if (metadata) req.metadata = metadata;
    await g.requireCron(req.cronId, scope);
  },
  search: searchCrons,
  count: searchCrons,
};
