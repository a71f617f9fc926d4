/**
 * Which authorization event each RPC raises and how its filter is applied (docs/security.md "Events"), after the
 * LangGraph.js dev server (`@langchain/langgraph-api` `storage/ops`):
 *
 * | RPCs | event | the filter |
 * |---|---|---|
 * | threads create | `threads:create` | an existing id outside it: 409 |
 * | threads get, copy (also `threads:create`), state, history, stream; runs get, join, join-stream | `threads:read` | 404 outside it |
 * | threads update, update_state; runs cancel | `threads:update` | 404 outside it |
 * | threads delete, prune; runs delete | `threads:delete` | 404 outside it |
 * | threads search, count | `threads:search` | narrows the query |
 * | runs list | `threads:search` | 404 when the thread is outside it |
 * | runs create, wait, stream (stateful and stateless) | `threads:create_run` | 404 for an existing thread outside it |
 * | assistants create | `assistants:create` | an existing id outside it: 409 |
 * | assistants get, graph, schemas, subgraphs, versions | `assistants:read` | 404 outside it |
 * | assistants update, latest / delete | `assistants:update` / `assistants:delete` | 404 outside it |
 * | assistants delete with `delete_threads` | also `threads:delete` | narrows the threads deleted |
 * | assistants search, count | `assistants:search` | narrows the query |
 * | crons create (then `threads:read` for a thread's cron) | `crons:create` | — |
 * | crons get / update / delete | `crons:read` / `crons:update` / `crons:delete` | 404 outside it |
 * | crons search, count | `crons:search` | narrows the query |
 * | store put, get, delete, search, list namespaces | `store:put`, `store:get`, `store:delete`, `store:search`, `store:list_namespaces` | search: ANDed with `filter` on the value |
 *
 * Store handlers may rewrite the value they get (`namespace`, `key`, `value`, paging, …) and the call uses what
 * they leave, as the Python server (`langgraph_api/api/store.py`): e.g. a handler that prefixes the namespace with
 * the user's identity keeps each user's memories apart.
 *
 * A handler that changes `value.metadata` on a create, update or run changes what is stored.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { JsonObject } from "../../engine/index.js";
import { jsonFromValue } from "../convert.js";
import { getNamespace } from "../store/service.js";
import type { AuthFilter } from "./types.js";

/** What a policy can ask of the enforcement point. */
export interface Guard {
  /** Runs the event's handler. @throws AuthError when refused */
  authorize(
    resource: "threads" | "assistants" | "store" | "crons",
    action: string,
    value: Record<string, unknown>,
  ): Promise<AuthFilter | undefined>;
  /** NotFound unless thread `threadId` is missing (left to the service) or passes `scope`. */
  requireThread(threadId: string, scope: AuthFilter | undefined): Promise<void>;
  /** AlreadyExists when thread `threadId` exists outside `scope`. */
  refuseForeignThread(threadId: string, scope: AuthFilter | undefined): Promise<void>;
  /** NotFound unless assistant (or graph) `assistantId` is missing or passes `scope`; AlreadyExists with `taken`. */
  requireAssistant(assistantId: string, scope: AuthFilter | undefined, taken?: boolean): Promise<void>;
  /** NotFound unless cron `cronId` is missing (left to the service) or its metadata passes `scope`. */
  requireCron(cronId: string, scope: AuthFilter | undefined): Promise<void>;
  /** Narrows the call's searches and counts. */
  narrow(scope: AuthFilter | undefined): void;
  /** Metadata a run stamps on a thread it creates. */
  stampThreads(metadata: JsonObject): void;
}

// biome-ignore lint/suspicious/noExplicitAny: requests are the generated message types, read by field name.
type Req = any;
/** The authorization of one RPC: may change `req` (stamped metadata). */
export type Policy = (req: Req, guard: Guard) => Promise<void>;

const isJsonObject = (v: unknown): v is JsonObject =>
  v !== null && typeof v === "object" && !Array.isArray(v);

const metadataOf = (value: Record<string, unknown>): JsonObject | undefined => {
  const m = value.metadata;
  return m !== null && typeof m === "object" && !Array.isArray(m) ? (m as JsonObject) : undefined;
};

const threadRead: Policy = async (req, g) => {
  const value: Record<string, unknown> = { thread_id: req.threadId };
  if (req.runId) value.run_id = req.runId;
  await g.requireThread(req.threadId, await g.authorize("threads", "read", value));
};

const createRun: Policy = async (req, g) => {
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
 * The namespace a store handler left in `value[field]`: a list of non-empty strings without "." (as the request's
 * own), else InvalidArgument naming the field. `undefined`/`null` is allowed where the request may omit it.
 */
function namespaceAfterHandler(value: Record<string, unknown>, field: string, optional = false): string[] {
  const ns = value.namespace;
  if (optional && (ns === undefined || ns === null)) return [];
  if (!Array.isArray(ns) || !ns.every((l) => typeof l === "string" && l !== "" && !l.includes("."))) {
    throw new ConnectError(
      `${field}: the authorization handler left a namespace that is not a list of labels`,
      Code.InvalidArgument,
    );
  }
  return [...ns];
}

/** `value[key]` as a string when the handler left one there, else `fallback`. */
const stringOr = (value: Record<string, unknown>, key: string, fallback: string): string =>
  typeof value[key] === "string" ? (value[key] as string) : fallback;

/** `value[key]` as an integer when the handler left one there, else `fallback`. */
const intOr = (value: Record<string, unknown>, key: string, fallback: number | undefined) =>
  Number.isInteger(value[key]) ? (value[key] as number) : fallback;

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

/** Policies by service type name, then method local name. */
export const POLICIES: Record<string, Record<string, Policy>> = {
  "loom.v1.ThreadsService": {
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
      await g.requireThread(
        req.threadId,
        await g.authorize("threads", "update", { thread_id: req.threadId }),
      );
    },
    async delete(req, g) {
      await g.requireThread(
        req.threadId,
        await g.authorize("threads", "delete", { thread_id: req.threadId }),
      );
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
  },
  "loom.v1.RunsService": {
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
      // Cancelling by status reaches every thread: not under an authorization that narrows the threads.
      else if (scope)
        throw new ConnectError("cancel by status needs an unscoped authorization", Code.PermissionDenied);
    },
  },
  "loom.v1.CronsService": {
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
  },
  "loom.v1.AssistantsService": {
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
    async get(req, g) {
      const scope = await g.authorize("assistants", "read", { assistant_id: req.assistantId });
      await g.requireAssistant(req.assistantId, scope);
    },
    async getGraph(req, g) {
      const scope = await g.authorize("assistants", "read", { assistant_id: req.assistantId });
      await g.requireAssistant(req.assistantId, scope);
    },
    async getSchemas(req, g) {
      const scope = await g.authorize("assistants", "read", { assistant_id: req.assistantId });
      await g.requireAssistant(req.assistantId, scope);
    },
    async getSubgraphs(req, g) {
      const scope = await g.authorize("assistants", "read", { assistant_id: req.assistantId });
      await g.requireAssistant(req.assistantId, scope);
    },
    async listVersions(req, g) {
      const scope = await g.authorize("assistants", "read", { assistant_id: req.assistantId });
      await g.requireAssistant(req.assistantId, scope);
    },
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
  },
  "loom.v1.StoreService": {
    async putItem(req, g) {
      const value: Record<string, unknown> = {
        namespace: [...req.namespace],
        key: req.key,
        value: req.value,
        index: jsonFromValue(req.index) ?? null,
        ttl: req.ttl ?? null,
      };
      await g.authorize("store", "put", value);
      req.namespace = namespaceAfterHandler(value, "namespace");
      req.key = stringOr(value, "key", req.key);
      if (isJsonObject(value.value)) req.value = value.value;
      if (typeof value.ttl === "number") req.ttl = value.ttl;
    },
    async getItem(req, g) {
      const value: Record<string, unknown> = {
        namespace: getNamespace(req.namespace),
        key: req.key,
        refresh_ttl: req.refreshTtl ?? null,
      };
      await g.authorize("store", "get", value);
      req.namespace = namespaceAfterHandler(value, "namespace");
      req.key = stringOr(value, "key", req.key);
    },
    async deleteItem(req, g) {
      const value: Record<string, unknown> = { namespace: [...req.namespace], key: req.key };
      await g.authorize("store", "delete", value);
      req.namespace = namespaceAfterHandler(value, "namespace");
      req.key = stringOr(value, "key", req.key);
    },
    async searchItems(req, g) {
      const value: Record<string, unknown> = {
        namespace: [...req.namespacePrefix],
        filter: req.filter ?? null,
        limit: req.limit ?? 10,
        offset: req.offset ?? 0,
        query: req.query ?? null,
        refresh_ttl: req.refreshTtl ?? null,
      };
      g.narrow(await g.authorize("store", "search", value));
      req.namespacePrefix = namespaceAfterHandler(value, "namespace_prefix");
      if (isJsonObject(value.filter)) req.filter = value.filter;
      req.limit = intOr(value, "limit", req.limit);
      req.offset = intOr(value, "offset", req.offset);
      if (typeof value.query === "string") req.query = value.query;
    },
    async listNamespaces(req, g) {
      const value: Record<string, unknown> = {
        namespace: req.prefix.length > 0 ? [...req.prefix] : null,
        suffix: req.suffix.length > 0 ? [...req.suffix] : null,
        max_depth: req.maxDepth ?? null,
        limit: req.limit ?? 100,
        offset: req.offset ?? 0,
      };
      await g.authorize("store", "list_namespaces", value);
      req.prefix = namespaceAfterHandler(value, "prefix", true);
      req.suffix = namespaceAfterHandler({ namespace: value.suffix }, "suffix", true);
      req.maxDepth = intOr(value, "max_depth", req.maxDepth);
      req.limit = intOr(value, "limit", req.limit);
      req.offset = intOr(value, "offset", req.offset);
    },
  },
};
