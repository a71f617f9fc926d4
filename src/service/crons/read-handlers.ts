/** The CronsService handlers that read crons (docs/crons.md): `get`, `search` and `count`; also `delete`. */
import { create, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { validate as isUuid } from "uuid";
import {
  CountCronsResponseSchema,
  CronSchema,
  type CronsService,
  SearchCronsResponseSchema,
} from "../../../gen/ts/loom/v1/crons_pb.js";
import type { JsonObject } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { CronFilter, CronSortBy } from "../../store/cron-store.js";
import { systemAssistantId } from "../assistants/resolve.js";
import { scopeOf } from "../auth/context.js";
import { InvalidInputError } from "../errors.js";
import { applySelect } from "../select.js";
import { parseLimit, parseOffset, parseSortOrder, requireUuid, setPaginationHeaders } from "../validate.js";
import type { CronsServiceDeps } from "./deps.js";
import { cronToProto } from "./fields.js";

type Handlers = ServiceImpl<typeof CronsService>;

const SORT_BY: readonly CronSortBy[] = [
  "cron_id",
  "assistant_id",
  "thread_id",
  "next_run_date",
  "end_time",
  "created_at",
  "updated_at",
];

/** An `assistant_id` filter: a graph id means its system assistant; otherwise a UUID. */
function assistantFilter(registry: GraphRegistry, id: string | undefined): string | undefined {
  if (id === undefined || id === "") return undefined;
  if (registry.has(id)) return systemAssistantId(id);
  if (!isUuid(id))
    throw new InvalidInputError(`Invalid assistant_id: must be a UUID, got "${id}"`, "assistant_id");
  return id;
}

/**
 * The store filter of a search or count: `assistant_id` (graph id or UUID), `thread_id` (UUID), `metadata`
 * (an object, matched as a subset).
 * @throws InvalidInputError naming the field
 */
function filterOf(
  registry: GraphRegistry,
  req: { assistantId?: string; threadId?: string; metadata?: PbJsonObject },
): CronFilter {
  const assistantId = assistantFilter(registry, req.assistantId);
  const threadId = req.threadId ? requireUuid(req.threadId, "thread_id") : undefined;
  if (req.metadata !== undefined && (req.metadata === null || typeof req.metadata !== "object")) {
    throw new InvalidInputError("metadata must be an object", "metadata");
  }
  return {
    ...(assistantId !== undefined ? { assistantId } : {}),
    ...(threadId !== undefined ? { threadId } : {}),
    ...(req.metadata !== undefined ? { metadata: req.metadata as JsonObject } : {}),
  };
}

/**
 * `get`, `delete`, `search` (paged, `sort_by` default `created_at`, `select`, pagination headers) and `count`;
 * searches and counts are narrowed to the caller's authorization scope.
 * @throws InvalidInputError, CronNotFoundError
 */
export function cronReadHandlers({
  crons,
  registry,
}: CronsServiceDeps): Pick<Handlers, "get" | "delete" | "search" | "count"> {
  return {
    async get(req) {
      requireUuid(req.cronId, "cron_id");
      return cronToProto(await crons.get(req.cronId));
    },

    async delete(req) {
      requireUuid(req.cronId, "cron_id");
      await crons.delete(req.cronId);
      return {};
    },

    async search(req, ctx) {
      const filter: CronFilter = { ...filterOf(registry, req), ...scopeOf(ctx) };
      if (req.enabled !== undefined) filter.enabled = req.enabled;
      const limit = parseLimit(req.limit);
      const offset = parseOffset(req.offset);
      const sortBy = (req.sortBy || "created_at") as CronSortBy;
      if (!SORT_BY.includes(sortBy)) {
        throw new InvalidInputError(`sort_by must be one of ${SORT_BY.join(", ")}`, "sort_by");
      }
      const sortOrder = parseSortOrder(req.sortOrder);
      applySelect(CronSchema, [], req.select);
      const [found, total] = await Promise.all([
        crons.search(filter, { limit, offset, sortBy, sortOrder }),
        crons.count(filter),
      ]);
      setPaginationHeaders(ctx.responseHeader, total, offset, found.length);
      const listed = found.map(cronToProto);
      applySelect(CronSchema, listed, req.select);
      return create(SearchCronsResponseSchema, { crons: listed });
    },

    async count(req, ctx) {
      return create(CountCronsResponseSchema, {
        count: await crons.count({ ...filterOf(registry, req), ...scopeOf(ctx) }),
      });
    },
  };
}
