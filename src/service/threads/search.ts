/**
 * Thread search and count (docs/api.md §3 "Threads", docs/api.md §8d): filters on metadata, values, status and ids,
 * narrowed to the caller's authorization scope; paging, sorting, `select` and `extract`.
 */
import { create, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CountThreadsResponseSchema,
  SearchThreadsResponseSchema,
  type Thread,
  ThreadSchema,
  type ThreadsService,
} from "../../../gen/ts/loom/v1/threads_pb.js";
import type { JsonObject } from "../../engine/index.js";
import type { ThreadSearchQuery, ThreadStatus } from "../../store/records.js";
import { scopeOf } from "../auth/context.js";
import { objectFromStruct, threadToProto } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { extractValues, parseExtract } from "../extract.js";
import { applySelect } from "../select.js";
import { parseLimit, parseOffset, parseSortOrder, requireUuid, setPaginationHeaders } from "../validate.js";
import type { ThreadCrudDeps } from "./crud-deps.js";

/** The fields a thread search's `extract` paths may start with (langgraph-api `EXTRACTABLE_COLUMNS`). */
const THREAD_EXTRACT_ROOTS = ["values", "metadata", "config", "interrupts"] as const;

const STATUSES: readonly ThreadStatus[] = ["idle", "busy", "interrupted", "error"];

const SORT_BY: Record<string, NonNullable<ThreadSearchQuery["sortBy"]>> = {
  thread_id: "threadId",
  status: "status",
  created_at: "createdAt",
  updated_at: "updatedAt",
  state_updated_at: "stateUpdatedAt",
};

/** A `status` filter: empty means any. @throws InvalidInputError naming `status` */
function parseStatus(status: string): ThreadStatus | undefined {
  if (status === "") return undefined;
  if (!STATUSES.includes(status as ThreadStatus)) {
    throw new InvalidInputError(`status must be one of ${STATUSES.join(", ")}`, "status");
  }
  return status as ThreadStatus;
}

/**
 * `search` (pagination headers; `sort_by` one of `thread_id`, `status`, `created_at`, `updated_at`,
 * `state_updated_at`) and `count`.
 * @throws InvalidInputError (422) naming the field
 */
export function threadSearchHandlers({
  threads,
}: ThreadCrudDeps): Pick<ServiceImpl<typeof ThreadsService>, "search" | "count"> {
  return {
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
  };
}
