/**
 * AssistantsService (docs/api.md §3 "Assistants"): CRUD, search and count over the assistant store, plus the
 * graph drawing and JSON schemas of the assistant's graph (returned as `google.protobuf.Struct` messages: an RPC
 * whose output is Struct must return the message, not a plain object).
 */
import { create, fromJson, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { validate as isUuid, v4 as uuidv4 } from "uuid";
import {
  AssistantSchema,
  type AssistantsService,
  CountAssistantsResponseSchema,
  ListAssistantVersionsResponseSchema,
  SearchAssistantsResponseSchema,
} from "../../../gen/ts/loom/v1/assistants_pb.js";
import type { GraphRegistry } from "../../registry/registry.js";
import { AssistantNotFoundError } from "../../store/errors.js";
import type { AssistantSearchQuery, AssistantStore } from "../../store/records.js";
import { scopeOf } from "../auth/context.js";
import { refuseContextClash } from "../context-clash.js";
import { assistantToProto, objectFromStruct } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { extractValues, parseExtract } from "../extract.js";
import { applySelect } from "../select.js";
import { parseIfExists, parseLimit, parseOffset, parseSortOrder, setPaginationHeaders } from "../validate.js";
import { type DeleteThreadsDeps, deleteAssistantThreads } from "./delete-threads.js";
import { resolveAssistant } from "./resolve.js";
import { requireVersion, versionToProto } from "./versions.js";

/** Assistant field names: an `extract` alias may not take one. */
const FIELD_NAMES = AssistantSchema.fields.map((f) => f.name);

/** What the assistants service needs. */
export interface AssistantsServiceDeps extends Omit<DeleteThreadsDeps, "threads"> {
  assistants: AssistantStore;
  registry: GraphRegistry;
  threads: DeleteThreadsDeps["threads"];
}

const SORT_BY: Record<string, NonNullable<AssistantSearchQuery["sortBy"]>> = {
  assistant_id: "assistantId",
  graph_id: "graphId",
  name: "name",
  created_at: "createdAt",
  updated_at: "updatedAt",
};

/**
 * Creates the AssistantsService implementation. Errors are domain errors (mapped by `withErrorMapping`):
 * unknown graph → NotFound, duplicate id → AlreadyExists, bad limit/sort → InvalidArgument.
 */
export function createAssistantsService(deps: AssistantsServiceDeps): ServiceImpl<typeof AssistantsService> {
  const { assistants, registry } = deps;
  return {
    async create(req) {
      refuseContextClash(objectFromStruct(req.config), objectFromStruct(req.context));
      registry.get(req.graphId);
      if (req.assistantId && !isUuid(req.assistantId)) {
        throw new InvalidInputError("assistant_id must be a UUID", "assistant_id");
      }
      const record = await assistants.create(
        {
          assistantId: req.assistantId || uuidv4(),
          graphId: req.graphId,
          config: objectFromStruct(req.config),
          context: objectFromStruct(req.context),
          metadata: objectFromStruct(req.metadata),
          name: req.name || "Untitled",
          description: req.description ?? null,
        },
        { ifExists: parseIfExists(req.ifExists) },
      );
      return assistantToProto(record);
    },
    async get(req) {
      return assistantToProto(await resolveAssistant(assistants, registry, req.assistantId));
    },
    async update(req) {
      refuseContextClash(objectFromStruct(req.config), objectFromStruct(req.context));
      const current = await resolveAssistant(assistants, registry, req.assistantId);
      if (req.graphId !== undefined) registry.get(req.graphId);
      const record = await assistants.patch(current.assistantId, {
        ...(req.graphId !== undefined ? { graphId: req.graphId } : {}),
        ...(req.config ? { config: objectFromStruct(req.config) } : {}),
        ...(req.context ? { context: objectFromStruct(req.context) } : {}),
        ...(req.metadata ? { metadata: objectFromStruct(req.metadata) } : {}),
        ...(req.name !== undefined ? { name: req.name } : {}),
        ...(req.description !== undefined ? { description: req.description } : {}),
      });
      return assistantToProto(record);
    },
    async delete(req, ctx) {
      const current = await resolveAssistant(assistants, registry, req.assistantId);
      // Threads first, as langgraph-api: a failure midway leaves the assistant, so a retry finishes the job.
      if (req.deleteThreads) await deleteAssistantThreads(deps, current.assistantId, scopeOf(ctx));
      await assistants.delete(current.assistantId);
      return {};
    },
    async search(req, ctx) {
      const sortBy = req.sortBy ? SORT_BY[req.sortBy] : undefined;
      if (req.sortBy && !sortBy)
        throw new InvalidInputError(`sort_by must be one of ${Object.keys(SORT_BY).join(", ")}`);
      applySelect(AssistantSchema, [], req.select);
      const extract = parseExtract(req.extract, ["metadata", "config", "context"], FIELD_NAMES);
      const page = await assistants.search({
        ...(req.metadata ? { metadata: objectFromStruct(req.metadata) } : {}),
        ...(req.graphId ? { graphId: req.graphId } : {}),
        ...(req.name ? { name: req.name } : {}),
        ...scopeOf(ctx),
        limit: parseLimit(req.limit),
        offset: parseOffset(req.offset),
        ...(sortBy ? { sortBy } : {}),
        sortOrder: parseSortOrder(req.sortOrder),
      });
      setPaginationHeaders(ctx.responseHeader, page.total, req.offset, page.items.length);
      const items = page.items.map(assistantToProto);
      applySelect(AssistantSchema, items, req.select);
      if (extract.length > 0) {
        page.items.forEach((a, i) => {
          const json = { metadata: a.metadata, config: a.config, context: a.context };
          const item = items[i];
          if (item) item.extracted = extractValues(json, extract) as PbJsonObject;
        });
      }
      return create(SearchAssistantsResponseSchema, { assistants: items });
    },
    async count(req, ctx) {
      const n = await assistants.count({
        ...(req.metadata ? { metadata: objectFromStruct(req.metadata) } : {}),
        ...(req.graphId ? { graphId: req.graphId } : {}),
        ...(req.name ? { name: req.name } : {}),
        ...scopeOf(ctx),
      });
      return create(CountAssistantsResponseSchema, { count: n });
    },
    async getGraph(req) {
      const a = await resolveAssistant(assistants, registry, req.assistantId);
      return fromJson(StructSchema, registry.get(a.graphId).drawing());
    },
    async listVersions(req) {
      const a = await resolveAssistant(assistants, registry, req.assistantId);
      const versions = await assistants.listVersions(a.assistantId, {
        ...(req.metadata ? { metadata: objectFromStruct(req.metadata) } : {}),
        limit: parseLimit(req.limit),
        offset: parseOffset(req.offset),
      });
      // The Python server answers 404 when nothing matches (no version, filter or page past the end).
      if (versions.length === 0) throw new AssistantNotFoundError(a.assistantId);
      return create(ListAssistantVersionsResponseSchema, { versions: versions.map(versionToProto) });
    },
    async setLatest(req) {
      const version = requireVersion(req.version);
      const a = await resolveAssistant(assistants, registry, req.assistantId);
      return assistantToProto(await assistants.setLatest(a.assistantId, version));
    },
    async getSubgraphs(req) {
      const a = await resolveAssistant(assistants, registry, req.assistantId);
      const subgraphs = await registry.get(a.graphId).subgraphs(req.namespace || undefined, req.recurse);
      return fromJson(StructSchema, subgraphs);
    },
    async getSchemas(req) {
      const a = await resolveAssistant(assistants, registry, req.assistantId);
      return fromJson(StructSchema, registry.get(a.graphId).schemas(a.graphId));
    },
  };
}
