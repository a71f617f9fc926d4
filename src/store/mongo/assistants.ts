/**
 * `AssistantStore` on MongoDB: one document per assistant in `assistants`, `_id` = assistant id.
 * ```
 * { _id, graph_id, config, context, created_at, updated_at, metadata, version: int, name, description }
 * ```
 */
import type { Collection, Document } from "mongodb";
import { MongoServerError } from "mongodb";
import type { JsonObject } from "../../engine/checkpoint.js";
import { AssistantExistsError, AssistantNotFoundError } from "../errors.js";
import type { AssistantRecord, AssistantSearchQuery, AssistantStore, NewAssistant } from "../records.js";
import { decodeJson, escapeKey } from "./encoding.js";
import { containmentFilter, scopeFilter, searchPage, toStored } from "./filters.js";

/** A stored assistant (see module doc). */
export interface AssistantDoc {
  _id: string;
  graph_id: string;
  config: unknown;
  context: unknown;
  created_at: Date;
  updated_at: Date;
  metadata: unknown;
  version: number;
  name: string;
  description: string | null;
}

const SORT_FIELDS: Record<NonNullable<AssistantSearchQuery["sortBy"]>, string> = {
  assistantId: "_id",
  graphId: "graph_id",
  name: "name",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

/** Converts a stored assistant to its record. */
export function fromAssistantDoc(doc: AssistantDoc): AssistantRecord {
  return {
    assistantId: doc._id,
    graphId: doc.graph_id,
    config: decodeJson(doc.config) as JsonObject,
    context: decodeJson(doc.context) as JsonObject,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    metadata: decodeJson(doc.metadata) as JsonObject,
    version: doc.version,
    name: doc.name,
    description: doc.description ?? null,
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function searchFilter(
  query: Pick<AssistantSearchQuery, "graphId" | "name" | "metadata" | "scope">,
): Document {
  const filter: Document = containmentFilter("metadata", query.metadata);
  if (query.graphId !== undefined) filter.graph_id = { $eq: String(query.graphId) };
  if (query.name !== undefined) filter.name = { $regex: escapeRegex(String(query.name)), $options: "i" };
  if (query.scope !== undefined) filter.$and = [scopeFilter("metadata", query.scope)];
  return filter;
}

/** Creates the assistant store. Errors: see `AssistantStore`. */
export function createMongoAssistantStore(options: { assistants: Collection<AssistantDoc> }): AssistantStore {
  const { assistants } = options;

  async function get(assistantId: string): Promise<AssistantRecord> {
    const doc = await assistants.findOne({ _id: assistantId });
    if (!doc) throw new AssistantNotFoundError(assistantId);
    return fromAssistantDoc(doc);
  }

  return {
    async create(input: NewAssistant, opts = {}): Promise<AssistantRecord> {
      const now = new Date();
      const doc: AssistantDoc = {
        _id: input.assistantId,
        graph_id: input.graphId,
        config: toStored(input.config ?? {}),
        context: toStored(input.context ?? {}),
        created_at: now,
        updated_at: now,
        metadata: toStored(input.metadata ?? {}),
        version: 1,
        name: input.name ?? input.graphId,
        description: input.description ?? null,
      };
      try {
        await assistants.insertOne(doc);
        return fromAssistantDoc(doc);
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
        if (opts.ifExists === "do_nothing") return get(input.assistantId);
        throw new AssistantExistsError(input.assistantId);
      }
    },

    get,

    async patch(assistantId, patch): Promise<AssistantRecord> {
      const set: Document = { updated_at: new Date() };
      if (patch.graphId !== undefined) set.graph_id = patch.graphId;
      if (patch.config !== undefined) set.config = toStored(patch.config);
      if (patch.context !== undefined) set.context = toStored(patch.context);
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.description !== undefined) set.description = patch.description;
      for (const [key, value] of Object.entries(patch.metadata ?? {})) {
        set[`metadata.${escapeKey(key)}`] = toStored(value);
      }
      const doc = await assistants.findOneAndUpdate(
        { _id: assistantId },
        { $set: set, $inc: { version: 1 } },
        { returnDocument: "after" },
      );
      if (!doc) throw new AssistantNotFoundError(assistantId);
      return fromAssistantDoc(doc);
    },

    async delete(assistantId): Promise<void> {
      const { deletedCount } = await assistants.deleteOne({ _id: assistantId });
      if (deletedCount === 0) throw new AssistantNotFoundError(assistantId);
    },

    async search(query): Promise<{ items: AssistantRecord[]; total: number }> {
      const sortField = SORT_FIELDS[query.sortBy ?? "createdAt"];
      return searchPage(assistants, searchFilter(query), { ...query, sortField }, fromAssistantDoc);
    },

    async count(query): Promise<number> {
      return assistants.countDocuments(searchFilter(query));
    },
  };
}
