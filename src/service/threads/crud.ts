/**
 * ThreadsService, thread records (docs/api.md §3 "Threads", docs/api.md §8d): create, get, patch, delete, search, count,
 * copy, prune (docs/api.md §3 "Thread TTL").
 */
import { create, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { v4 as uuidv4 } from "uuid";
import {
  CountThreadsResponseSchema,
  type CreateThreadRequest,
  PruneThreadsResponseSchema,
  SearchThreadsResponseSchema,
  type Thread,
  ThreadSchema,
  type ThreadsService,
} from "../../../gen/ts/loom/v1/threads_pb.js";
import type { CheckpointStore, JsonObject, StateUpdate } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { ThreadRecord, ThreadSearchQuery, ThreadStatus, ThreadStore } from "../../store/records.js";
import { scopeOf } from "../auth/context.js";
import { jsonFromValue, objectFromStruct, threadToProto } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { extractValues, parseExtract } from "../extract.js";
import { threadFieldsFromHead } from "../runs/outcome.js";
import { applySelect } from "../select.js";
import {
  parseIfExists,
  parseLimit,
  parseOffset,
  parseSortOrder,
  requireUuid,
  setPaginationHeaders,
} from "../validate.js";
import { parsePruneStrategy, ttlFromRequest } from "./ttl.js";

/** The fields a thread search's `extract` paths may start with (langgraph-api `EXTRACTABLE_COLUMNS`). */
const THREAD_EXTRACT_ROOTS = ["values", "metadata", "config", "interrupts"] as const;

/** What the thread-record half of ThreadsService needs. */
export interface ThreadCrudDeps {
  threads: ThreadStore;
  checkpoints: CheckpointStore;
  registry: GraphRegistry;
  /**
   * Copies every checkpoint of a thread into another in one server-side step (the MongoDB store's
   * `copyThreadCheckpoints`). Default: read and re-put them one by one through `checkpoints`.
   */
  copyThreadCheckpoints?: (sourceThreadId: string, targetThreadId: string) => Promise<void>;
}

type CrudMethods = Pick<
  ServiceImpl<typeof ThreadsService>,
  "create" | "get" | "update" | "delete" | "search" | "count" | "copy" | "prune"
>;

const STATUSES: readonly ThreadStatus[] = ["idle", "busy", "interrupted", "error"];

const SORT_BY: Record<string, NonNullable<ThreadSearchQuery["sortBy"]>> = {
  thread_id: "threadId",
  status: "status",
  created_at: "createdAt",
  updated_at: "updatedAt",
  state_updated_at: "stateUpdatedAt",
};

function parseStatus(status: string): ThreadStatus | undefined {
  if (status === "") return undefined;
  if (!STATUSES.includes(status as ThreadStatus)) {
    throw new InvalidInputError(`status must be one of ${STATUSES.join(", ")}`, "status");
  }
  return status as ThreadStatus;
}

/**
 * Creates the thread-record methods. Errors: malformed id → InvalidInputError (422), unknown thread →
 * ThreadNotFoundError (404), duplicate id → ThreadExistsError (409) unless `if_exists: "do_nothing"`.
 */
export function createThreadCrud(deps: ThreadCrudDeps): CrudMethods {
  const { threads, checkpoints, registry } = deps;

  async function copyOneByOne(sourceThreadId: string, threadId: string) {
    const tuples = (await checkpoints.list({ threadId: sourceThreadId })).reverse();
    for (const t of tuples) {
      const ref = await checkpoints.put({
        threadId,
        checkpointNs: t.checkpointNs,
        checkpoint: t.checkpoint,
        metadata: { ...t.metadata, thread_id: threadId },
        parentCheckpointId: t.parentCheckpointId,
      });
      if (t.pendingWrites.length > 0) await checkpoints.putWrites(ref, t.pendingWrites);
    }
  }

  /** Validates `supersteps` of a create request against the graph named in `metadata.graph_id`. */
  function superstepsOf(req: CreateThreadRequest, metadata: JsonObject) {
    if (req.supersteps.length === 0) return undefined;
    const graphId = metadata.graph_id;
    if (typeof graphId !== "string" || !registry.has(graphId)) {
      throw new InvalidInputError(
        "supersteps need metadata.graph_id naming a registered graph",
        "supersteps",
      );
    }
    const supersteps: StateUpdate[][] = req.supersteps.map((step) =>
      step.updates.map((u) => {
        if (u.command)
          throw new InvalidInputError("command is not supported in supersteps yet", "supersteps");
        return { values: jsonFromValue(u.values) ?? null, ...(u.asNode ? { asNode: u.asNode } : {}) };
      }),
    );
    return { graph: registry.get(graphId), supersteps };
  }

  /** Writes the supersteps on a just-created thread; on failure the thread is removed (nothing written). */
  async function applySupersteps(thread: ThreadRecord, plan: NonNullable<ReturnType<typeof superstepsOf>>) {
    const threadId = thread.threadId;
    try {
      await threads.beginCheckpointWrite(threadId);
      await plan.graph.bulkUpdateState(checkpoints, { threadId, supersteps: plan.supersteps });
    } catch (error) {
      await threads.delete(threadId).catch(() => undefined);
      throw error;
    }
    const head = await plan.graph.getState(checkpoints, { threadId });
    return threads.updateState(threadId, threadFieldsFromHead(head));
  }

  return {
    async create(req) {
      const threadId = req.threadId ? requireUuid(req.threadId, "thread_id") : uuidv4();
      const ifExists = parseIfExists(req.ifExists);
      // Every key the client sent is kept, a null too: a filter `{key: null}` matches only a stored null.
      const metadata = objectFromStruct(req.metadata);
      const plan = superstepsOf(req, metadata);
      if (plan && ifExists === "do_nothing") {
        const existing = await threads.get(threadId).catch(() => undefined);
        if (existing) return threadToProto(existing);
      }
      const ttl = ttlFromRequest(req.ttl);
      const thread = await threads.create({ threadId, metadata, ...(ttl ? { ttl } : {}) }, { ifExists });
      return threadToProto(plan ? await applySupersteps(thread, plan) : thread);
    },
    async get(req) {
      return threadToProto(await threads.get(requireUuid(req.threadId, "thread_id")));
    },
    async update(req) {
      const threadId = requireUuid(req.threadId, "thread_id");
      const ttl = ttlFromRequest(req.ttl);
      return threadToProto(
        await threads.patch(threadId, { metadata: objectFromStruct(req.metadata), ...(ttl ? { ttl } : {}) }),
      );
    },
    async delete(req) {
      const threadId = requireUuid(req.threadId, "thread_id");
      await threads.delete(threadId);
      return {};
    },
    async prune(req) {
      for (const id of req.threadIds) requireUuid(id, "thread_ids");
      const strategy = parsePruneStrategy(req.strategy, "strategy");
      const prunedCount = req.threadIds.length === 0 ? 0 : await threads.prune(req.threadIds, strategy);
      return create(PruneThreadsResponseSchema, { prunedCount });
    },
    async search(req, ctx) {
      const sortBy = req.sortBy ? SORT_BY[req.sortBy] : undefined;
      if (req.sortBy && !sortBy) {
        throw new InvalidInputError(`sort_by must be one of ${Object.keys(SORT_BY).join(", ")}`, "sort_by");
      }
      for (const id of req.ids) requireUuid(id, "ids");
      applySelect(ThreadSchema, [], req.select);
      const extract = parseExtract(
        req.extract,
        THREAD_EXTRACT_ROOTS,
        ThreadSchema.fields.map((f) => f.name),
      );
      const status = parseStatus(req.status);
      const page = await threads.search({
        ...(req.metadata ? { metadata: objectFromStruct(req.metadata) } : {}),
        ...(req.values ? { values: objectFromStruct(req.values) } : {}),
        ...(status ? { status } : {}),
        ...(req.ids.length > 0 ? { ids: req.ids } : {}),
        ...scopeOf(ctx),
        limit: parseLimit(req.limit),
        offset: parseOffset(req.offset),
        ...(sortBy ? { sortBy } : {}),
        sortOrder: parseSortOrder(req.sortOrder),
      });
      setPaginationHeaders(ctx.responseHeader, page.total, req.offset, page.items.length);
      const items = page.items.map(threadToProto);
      applySelect(ThreadSchema, items, req.select);
      if (extract.length > 0) {
        page.items.forEach((t, i) => {
          const json = {
            values: t.values ?? null,
            metadata: t.metadata,
            config: t.config,
            interrupts: t.interrupts,
          };
          (items[i] as Thread).extracted = extractValues(json as JsonObject, extract) as PbJsonObject;
        });
      }
      return create(SearchThreadsResponseSchema, { threads: items });
    },
    async count(req, ctx) {
      const status = parseStatus(req.status);
      const n = await threads.count({
        ...(req.metadata ? { metadata: objectFromStruct(req.metadata) } : {}),
        ...(req.values ? { values: objectFromStruct(req.values) } : {}),
        ...(status ? { status } : {}),
        ...scopeOf(ctx),
      });
      return create(CountThreadsResponseSchema, { count: n });
    },
    async copy(req) {
      const source = await threads.get(requireUuid(req.threadId, "thread_id"));
      const threadId = uuidv4();
      await threads.create({
        threadId,
        metadata: { ...source.metadata, thread_id: threadId },
        config: source.config,
      });
      await threads.beginCheckpointWrite(threadId);
      if (deps.copyThreadCheckpoints) await deps.copyThreadCheckpoints(source.threadId, threadId);
      else await copyOneByOne(source.threadId, threadId);
      const status = source.status === "busy" ? "idle" : source.status;
      const updated = await threads.updateState(threadId, {
        status,
        values: source.values,
        interrupts: source.interrupts,
        error: source.error,
      });
      return threadToProto(updated);
    },
  };
}
