/**
 * `AssistantStore` on MongoDB: one document per assistant in `assistants`, `_id` = assistant id, and one per
 * version in `assistant_versions` (unique `(assistant_id, version)`, docs/api.md §3 "Assistant versions").
 * ```
 * assistants:         { _id, graph_id, config, context, created_at, updated_at, metadata, version: int, name,
 *                       description, latest_version: int }
 * assistant_versions: { assistant_id, version: int, graph_id, config, context, metadata, name, description,
 *                       created_at }
 * ```
 * `version` is the version served (the pinned one), `latest_version` the highest written: a patch takes the next
 * number from it in the same atomic update, so concurrent patches never share a number. The version document is
 * written right after (an upsert, idempotent); documents older than versions lack `latest_version`, which then
 * defaults to `version`.
 */
import type { Collection, Document } from "mongodb";
import { MongoServerError } from "mongodb";
import type { JsonObject } from "../../engine/checkpoint.js";
import { AssistantExistsError, AssistantNotFoundError, AssistantVersionNotFoundError } from "../errors.js";
import type {
  AssistantRecord,
  AssistantSearchQuery,
  AssistantStore,
  AssistantVersionRecord,
  NewAssistant,
} from "../records.js";
import { decodeJson } from "./encoding.js";
import { containmentFilter, paging, scopeFilter, searchPage, toStored } from "./filters.js";

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
  /** Highest version written; absent on documents written before versions were stored (then `version`). */
  latest_version?: number;
}

/** A stored assistant version (see module doc). */
export interface AssistantVersionDoc {
  assistant_id: string;
  version: number;
  graph_id: string;
  config: unknown;
  context: unknown;
  metadata: unknown;
  name: string;
  description: string | null;
  created_at: Date;
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

/** Converts a stored version to its record. */
export function fromVersionDoc(doc: AssistantVersionDoc): AssistantVersionRecord {
  return {
    assistantId: doc.assistant_id,
    version: doc.version,
    graphId: doc.graph_id,
    config: decodeJson(doc.config) as JsonObject,
    context: decodeJson(doc.context) as JsonObject,
    metadata: decodeJson(doc.metadata) as JsonObject,
    name: doc.name,
    description: doc.description ?? null,
    createdAt: doc.created_at,
  };
}

/** The version document of the assistant `doc` as it is now (its fields stay stored, never decoded). */
function versionOf(doc: AssistantDoc, createdAt: Date): AssistantVersionDoc {
  return {
    assistant_id: doc._id,
    version: doc.version,
    graph_id: doc.graph_id,
    config: doc.config,
    context: doc.context,
    metadata: doc.metadata,
    name: doc.name,
    description: doc.description ?? null,
    created_at: createdAt,
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
export function createMongoAssistantStore(options: {
  assistants: Collection<AssistantDoc>;
  versions: Collection<AssistantVersionDoc>;
}): AssistantStore {
  const { assistants, versions } = options;

  /** Stores the version `doc` serves unless it is stored already (idempotent). */
  async function saveVersion(doc: AssistantDoc, createdAt: Date): Promise<void> {
    await versions.updateOne(
      { assistant_id: doc._id, version: doc.version },
      { $setOnInsert: versionOf(doc, createdAt) },
      { upsert: true },
    );
  }

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
        latest_version: 1,
      };
      try {
        await assistants.insertOne(doc);
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
        if (opts.ifExists !== "do_nothing") throw new AssistantExistsError(input.assistantId);
        const existing = await assistants.findOne({ _id: input.assistantId });
        if (!existing) throw new AssistantNotFoundError(input.assistantId);
        // An assistant stored before versions were kept gets its current version recorded here.
        await saveVersion(existing, existing.updated_at);
        return fromAssistantDoc(existing);
      }
      await saveVersion(doc, now);
      return fromAssistantDoc(doc);
    },

    get,

    async patch(assistantId, patch): Promise<AssistantRecord> {
      const now = new Date();
      // An update pipeline, so the new version number comes from `latest_version` in the same atomic write.
      const set: Document = { updated_at: { $literal: now } };
      if (patch.graphId !== undefined) set.graph_id = { $literal: patch.graphId };
      if (patch.config !== undefined) set.config = { $literal: toStored(patch.config) };
      if (patch.context !== undefined) set.context = { $literal: toStored(patch.context) };
      if (patch.name !== undefined) set.name = { $literal: patch.name };
      if (patch.description !== undefined) set.description = { $literal: patch.description };
      if (patch.metadata !== undefined && Object.keys(patch.metadata).length > 0) {
        set.metadata = { $mergeObjects: ["$metadata", { $literal: toStored(patch.metadata) }] };
      }
      set.latest_version = { $add: [{ $ifNull: ["$latest_version", "$version"] }, 1] };
      const doc = await assistants.findOneAndUpdate(
        { _id: assistantId },
        [{ $set: set }, { $set: { version: "$latest_version" } }],
        { returnDocument: "after" },
      );
      if (!doc) throw new AssistantNotFoundError(assistantId);
      await saveVersion(doc, now);
      return fromAssistantDoc(doc);
    },

    async delete(assistantId): Promise<void> {
      const { deletedCount } = await assistants.deleteOne({ _id: assistantId });
      if (deletedCount === 0) throw new AssistantNotFoundError(assistantId);
      await versions.deleteMany({ assistant_id: assistantId });
    },

    async listVersions(assistantId, query): Promise<AssistantVersionRecord[]> {
      const { limit, offset } = paging(query.limit, query.offset);
      const filter: Document = {
        ...containmentFilter("metadata", query.metadata),
        assistant_id: { $eq: assistantId },
      };
      const [docs, exists] = await Promise.all([
        limit === 0 ? [] : versions.find(filter, { sort: { version: -1 }, skip: offset, limit }).toArray(),
        assistants.countDocuments({ _id: assistantId }, { limit: 1 }),
      ]);
      if (exists === 0) throw new AssistantNotFoundError(assistantId);
      return docs.map(fromVersionDoc);
    },

    async setLatest(assistantId, version): Promise<AssistantRecord> {
      const target = await versions.findOne({ assistant_id: assistantId, version });
      if (!target) {
        if ((await assistants.countDocuments({ _id: assistantId }, { limit: 1 })) === 0) {
          throw new AssistantNotFoundError(assistantId);
        }
        throw new AssistantVersionNotFoundError(assistantId, version);
      }
      const doc = await assistants.findOneAndUpdate(
        { _id: assistantId },
        {
          $set: {
            graph_id: target.graph_id,
            config: target.config,
            context: target.context,
            metadata: target.metadata,
            name: target.name,
            description: target.description ?? null,
            version: target.version,
            updated_at: new Date(),
          },
        },
        { returnDocument: "after" },
      );
      if (!doc) throw new AssistantNotFoundError(assistantId);
      return fromAssistantDoc(doc);
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
