/**
 * The long-term memory store (`ItemStore`, docs/store.md) in memory, with the semantics of
 * `src/store/mongo/items.ts`: the same argument checks (`InvalidItemError` before any write), `createdAt` kept
 * across replacements (restarted when the old item had expired), TTLs restarted by reads unless `refreshTtl` is
 * false, expired items invisible to every read, whole-label prefixes, value containment and scope filters,
 * `updatedAt` desc order with insertion order as tie-break, and namespace listing with `"*"` labels and `maxDepth`.
 *
 * Not matched: a text `query` here matches lowercase words literally (any query word, `-word` excludes, a
 * `"quoted phrase"` must appear) with no stemming and no stop words, and `score` counts matched word occurrences
 * per indexed word; MongoDB's text index stems English words and scores differently, so only the set of matches
 * of plain words and "more matches rank higher" carry over.
 */
import type { JsonObject } from "../../engine/checkpoint.js";
import {
  checkKey,
  checkNamespace,
  checkPaging,
  checkPutOptions,
  checkValue,
  InvalidItemError,
  type ItemStore,
  type StoreItem,
} from "../../engine/item-store.js";
import type { ItemRow, MemoryDatabase } from "./db.js";
import { clone, compareBson, containment, scope } from "./match.js";

const MINUTE_MS = 60_000;

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (value !== null && typeof value === "object")
    for (const v of Object.values(value)) collectStrings(v, out);
}

/** The indexed text of a value, as `indexedText` of the MongoDB store. */
function indexedText(
  value: JsonObject,
  index: false | readonly string[] | null | undefined,
): string | undefined {
  if (index === false) return undefined;
  const out: string[] = [];
  if (index === null || index === undefined) collectStrings(value, out);
  else {
    for (const path of index) {
      let at: unknown = value;
      for (const part of path.split(".")) {
        at =
          at !== null && typeof at === "object" && !Array.isArray(at)
            ? (at as Record<string, unknown>)[part]
            : undefined;
      }
      collectStrings(at, out);
    }
  }
  return out.length > 0 ? out.join("\n") : undefined;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The text score of `text` for `query` (see module doc), or `undefined` when it does not match. */
function textScore(text: string | undefined, query: string): number | undefined {
  if (text === undefined) return undefined;
  const phrases = [...query.matchAll(/"([^"]*)"/g)].map((m) => (m[1] ?? "").toLowerCase());
  const rest = query.replace(/"[^"]*"/g, " ");
  const excluded = words(rest.match(/(^|\s)-\S+/g)?.join(" ") ?? "");
  const wanted = words(rest.replace(/(^|\s)-\S+/g, " "));
  const tokens = words(text);
  const lower = text.toLowerCase();
  if (excluded.some((w) => tokens.includes(w))) return undefined;
  if (phrases.some((p) => !lower.includes(p))) return undefined;
  const terms = new Set([...wanted, ...phrases.flatMap(words)]);
  let hits = 0;
  for (const t of tokens) if (terms.has(t)) hits++;
  if (hits === 0) return undefined;
  return hits / tokens.length + hits;
}

/** Creates the item store over `db`. Every method checks its arguments first (`InvalidItemError`). */
export function createMemoryItemStore(db: MemoryDatabase): ItemStore {
  const keyOf = (namespace: readonly string[], key: string) => `${namespace.join(".")}\u0000${key}`;
  const alive = (row: ItemRow, now: Date) =>
    row.item.expiresAt === undefined || row.item.expiresAt.getTime() > now.getTime();
  const refresh = (row: ItemRow, now: Date) => {
    if (row.ttlMinutes !== undefined)
      row.item.expiresAt = new Date(now.getTime() + row.ttlMinutes * MINUTE_MS);
  };

  return {
    async put(namespace, key, value, options) {
      checkNamespace(namespace, "namespace", true);
      checkKey(key);
      checkValue(value);
      checkPutOptions(options);
      const now = new Date();
      const id = keyOf(namespace, key);
      const old = db.items.get(id);
      const ttl = options?.ttlMinutes;
      const text = indexedText(value, options?.index);
      const item: StoreItem = {
        namespace: [...namespace],
        key,
        value: clone(value),
        createdAt: old && alive(old, now) ? old.item.createdAt : now,
        updatedAt: now,
        ...(ttl === undefined || ttl === null
          ? {}
          : { expiresAt: new Date(now.getTime() + ttl * MINUTE_MS) }),
      };
      db.items.set(id, {
        item,
        seq: old?.seq ?? db.itemSeq++,
        ...(ttl === undefined || ttl === null ? {} : { ttlMinutes: ttl }),
        ...(text === undefined ? {} : { text }),
      });
    },

    async get(namespace, key, options) {
      checkNamespace(namespace, "namespace", false);
      checkKey(key);
      const now = new Date();
      const row = db.items.get(keyOf(namespace, key));
      if (!row || !alive(row, now)) return undefined;
      if (options?.refreshTtl !== false) refresh(row, now);
      return clone(row.item);
    },

    async delete(namespace, key) {
      checkNamespace(namespace, "namespace", false);
      checkKey(key);
      db.items.delete(keyOf(namespace, key));
    },

    async search(namespacePrefix, options = {}) {
      checkNamespace(namespacePrefix, "namespace_prefix", false);
      const { filter, query } = options;
      if (filter !== undefined && (filter === null || typeof filter !== "object" || Array.isArray(filter))) {
        throw new InvalidItemError("filter", "must be an object");
      }
      if (query !== undefined && typeof query !== "string")
        throw new InvalidItemError("query", "must be a string");
      checkPaging(options.limit, options.offset);
      const limit = options.limit ?? 10;
      const offset = options.offset ?? 0;
      if (limit === 0) return [];
      const now = new Date();
      const matches = containment("value", filter as JsonObject | undefined);
      const scoped = scope(options.scope);
      const text = query !== undefined && query.trim() !== "";
      const found: Array<{ row: ItemRow; score?: number }> = [];
      for (const row of db.items.values()) {
        const { item } = row;
        if (!namespacePrefix.every((label, i) => item.namespace[i] === label)) continue;
        if (!alive(row, now) || !matches(item.value) || !scoped(item.value)) continue;
        if (!text) found.push({ row });
        else {
          const score = textScore(row.text, query);
          if (score !== undefined) found.push({ row, score });
        }
      }
      found.sort(
        (a, b) =>
          (b.score ?? 0) - (a.score ?? 0) ||
          b.row.item.updatedAt.getTime() - a.row.item.updatedAt.getTime() ||
          b.row.seq - a.row.seq,
      );
      return found.slice(offset, offset + limit).map(({ row, score }) => {
        if (options.refreshTtl !== false) refresh(row, now);
        return { ...clone(row.item), ...(score === undefined ? {} : { score }) };
      });
    },

    async listNamespaces(options = {}) {
      const prefix = options.prefix ?? [];
      const suffix = options.suffix ?? [];
      checkNamespace(prefix, "prefix", false);
      checkNamespace(suffix, "suffix", false);
      checkPaging(options.limit, options.offset);
      const { maxDepth } = options;
      if (maxDepth !== undefined && !(Number.isInteger(maxDepth) && maxDepth >= 1)) {
        throw new InvalidItemError("max_depth", "must be a positive integer");
      }
      const limit = options.limit ?? 100;
      const offset = options.offset ?? 0;
      if (limit === 0) return [];
      const now = new Date();
      const paths = new Set<string>();
      for (const row of db.items.values()) {
        const ns = row.item.namespace;
        if (!alive(row, now) || ns.length < Math.max(prefix.length, suffix.length)) continue;
        if (!prefix.every((label, i) => label === "*" || ns[i] === label)) continue;
        if (!suffix.every((label, i) => label === "*" || ns[ns.length - suffix.length + i] === label))
          continue;
        paths.add((maxDepth === undefined ? ns : ns.slice(0, maxDepth)).join("."));
      }
      return [...paths]
        .sort(compareBson)
        .slice(offset, offset + limit)
        .map((p) => p.split("."));
    },
  };
}
