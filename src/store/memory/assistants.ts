/**
 * `AssistantStore` in memory, with the semantics of `src/store/mongo/assistants.ts`: versions numbered one above
 * the highest written, `setLatest` pinning an older one, search by graph id, case-insensitive literal name
 * substring (`toLowerCase`, close to a case-insensitive regex), metadata containment and scope, sorts with the
 * assistant id as tie-break, and the same errors.
 */
import { AssistantExistsError, AssistantNotFoundError, AssistantVersionNotFoundError } from "../errors.js";
import type {
  AssistantRecord,
  AssistantSearchQuery,
  AssistantStore,
  AssistantVersionRecord,
} from "../records.js";
import type { MemoryDatabase } from "./db.js";
import { clone, containment, paging, scope, sortBy } from "./match.js";

type Row = AssistantRecord & { latestVersion: number };

const SORT_KEYS: Record<NonNullable<AssistantSearchQuery["sortBy"]>, (a: AssistantRecord) => unknown> = {
  assistantId: (a) => a.assistantId,
  graphId: (a) => a.graphId,
  name: (a) => a.name,
  createdAt: (a) => a.createdAt,
  updatedAt: (a) => a.updatedAt,
};

/** The record of a row (without `latestVersion`), copied. */
function recordOf(row: Row): AssistantRecord {
  const { latestVersion: _, ...record } = row;
  return clone(record);
}

function matcher(query: Pick<AssistantSearchQuery, "graphId" | "name" | "metadata" | "scope">) {
  const metadata = containment("metadata", query.metadata);
  const scoped = scope(query.scope);
  const name = query.name === undefined ? undefined : String(query.name).toLowerCase();
  return (a: AssistantRecord) =>
    (query.graphId === undefined || a.graphId === String(query.graphId)) &&
    (name === undefined || a.name.toLowerCase().includes(name)) &&
    metadata(a.metadata) &&
    scoped(a.metadata);
}

/** Creates the assistant store over `db`. Errors: see `AssistantStore`. */
export function createMemoryAssistantStore(db: MemoryDatabase): AssistantStore {
  const find = (assistantId: string): Row => {
    const row = db.assistants.get(assistantId);
    if (!row) throw new AssistantNotFoundError(assistantId);
    return row;
  };

  const saveVersion = (row: Row, createdAt: Date): void => {
    let versions = db.versions.get(row.assistantId);
    if (!versions) {
      versions = new Map();
      db.versions.set(row.assistantId, versions);
    }
    if (versions.has(row.version)) return;
    versions.set(row.version, {
      assistantId: row.assistantId,
      version: row.version,
      graphId: row.graphId,
      config: clone(row.config),
      context: clone(row.context),
      metadata: clone(row.metadata),
      name: row.name,
      description: row.description,
      createdAt,
    });
  };

  return {
    async create(input, opts = {}) {
      const existing = db.assistants.get(input.assistantId);
      if (existing) {
        if (opts.ifExists !== "do_nothing") throw new AssistantExistsError(input.assistantId);
        return recordOf(existing);
      }
      const now = new Date();
      const row: Row = {
        assistantId: input.assistantId,
        graphId: input.graphId,
        config: clone(input.config ?? {}),
        context: clone(input.context ?? {}),
        createdAt: now,
        updatedAt: now,
        metadata: clone(input.metadata ?? {}),
        version: 1,
        name: input.name ?? input.graphId,
        description: input.description ?? null,
        latestVersion: 1,
      };
      db.assistants.set(row.assistantId, row);
      saveVersion(row, now);
      return recordOf(row);
    },

    async get(assistantId) {
      return recordOf(find(assistantId));
    },

    async patch(assistantId, patch) {
      const row = find(assistantId);
      const now = new Date();
      row.updatedAt = now;
      if (patch.graphId !== undefined) row.graphId = patch.graphId;
      if (patch.config !== undefined) row.config = clone(patch.config);
      if (patch.context !== undefined) row.context = clone(patch.context);
      if (patch.name !== undefined) row.name = patch.name;
      if (patch.description !== undefined) row.description = patch.description;
      if (patch.metadata !== undefined) row.metadata = { ...row.metadata, ...clone(patch.metadata) };
      row.latestVersion++;
      row.version = row.latestVersion;
      saveVersion(row, now);
      return recordOf(row);
    },

    async delete(assistantId) {
      if (!db.assistants.delete(assistantId)) throw new AssistantNotFoundError(assistantId);
      db.versions.delete(assistantId);
    },

    async listVersions(assistantId, query) {
      const { limit, offset } = paging(query.limit, query.offset);
      find(assistantId);
      if (limit === 0) return [];
      const metadata = containment("metadata", query.metadata);
      return [...(db.versions.get(assistantId)?.values() ?? [])]
        .filter((v) => metadata(v.metadata))
        .sort((a, b) => b.version - a.version)
        .slice(offset, offset + limit)
        .map((v): AssistantVersionRecord => clone(v));
    },

    async setLatest(assistantId, version) {
      const row = find(assistantId);
      const target = db.versions.get(assistantId)?.get(version);
      if (!target) throw new AssistantVersionNotFoundError(assistantId, version);
      Object.assign(row, {
        graphId: target.graphId,
        config: clone(target.config),
        context: clone(target.context),
        metadata: clone(target.metadata),
        name: target.name,
        description: target.description,
        version: target.version,
        updatedAt: new Date(),
      });
      return recordOf(row);
    },

    async search(query) {
      const { limit, offset } = paging(query.limit, query.offset);
      const key = SORT_KEYS[query.sortBy ?? "createdAt"];
      const direction = query.sortOrder === "asc" ? 1 : -1;
      const matches = [...db.assistants.values()].filter(matcher(query));
      matches.sort(sortBy((a) => [key(a), a.assistantId], [direction, direction]));
      const items = limit === 0 ? [] : matches.slice(offset, offset + limit);
      return { items: items.map(recordOf), total: matches.length };
    },

    async count(query) {
      return [...db.assistants.values()].filter(matcher(query)).length;
    },
  };
}
