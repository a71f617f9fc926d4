/**
 * The documents of the `store_items` collection (docs/store.md "Storage") and the query pieces over them.
 *
 * `{ns: "a.b", namespace: ["a", "b"], key, value: <escaped JSON>, text?, created_at, updated_at, expires_at?,
 * ttl_minutes?}`. `ns` is the dot-joined namespace (labels never contain "."), so `(ns, key)` can carry a unique
 * index (a unique index over the `namespace` array would be multikey and compare single labels). `text` holds the
 * indexed strings of the value for the text index; `expires_at` drives the TTL index, but reads also skip expired
 * items themselves because the TTL monitor runs only once a minute.
 */
import type { Document } from "mongodb";
import type { JsonObject, JsonValue } from "../../engine/checkpoint.js";
import type { StoreItem } from "../../engine/item-store.js";
import { decodeJson } from "./encoding.js";

/** A stored item. */
export interface ItemDoc {
  ns: string;
  namespace: string[];
  key: string;
  value: unknown;
  text?: string;
  created_at: Date;
  updated_at: Date;
  expires_at?: Date;
  ttl_minutes?: number;
  /** Text relevance, projected by a search with a query. */
  score?: number;
}

/** The item of a document. */
export function fromItemDoc(doc: ItemDoc): StoreItem {
  return {
    namespace: [...doc.namespace],
    key: doc.key,
    value: decodeJson(doc.value) as JsonObject,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    ...(doc.expires_at instanceof Date ? { expiresAt: doc.expires_at } : {}),
    ...(typeof doc.score === "number" ? { score: doc.score } : {}),
  };
}

/** Items not expired at `now` (missing `expires_at` never expires). */
export function liveAt(now: Date): Document {
  return { expires_at: { $not: { $lte: now } } };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Items whose namespace starts with `prefix` (whole labels), over the `(ns, key)` index. */
export function prefixCondition(prefix: readonly string[]): Document {
  if (prefix.length === 0) return {};
  return { ns: { $regex: `^${escapeRegex(prefix.join("."))}(\\.|$)` } };
}

/**
 * Namespaces matching `prefix` and `suffix` label by label, `"*"` matching any label; labels compare with `$eq`
 * or as `$literal`s, so none becomes an operator or a field path.
 */
export function namespaceMatch(prefix: readonly string[], suffix: readonly string[]): Document {
  const match: Document = {};
  prefix.forEach((label, i) => {
    if (label !== "*") match[`namespace.${i}`] = { $eq: label };
  });
  const length = Math.max(prefix.length, suffix.length);
  const last = `namespace.${length - 1}`;
  if (length > 0 && !(last in match)) match[last] = { $exists: true };
  const ends = suffix
    .map((label, i) => ({ label, from: i - suffix.length }))
    .filter((s) => s.label !== "*")
    .map((s) => ({ $eq: [{ $arrayElemAt: ["$namespace", s.from] }, { $literal: s.label }] }));
  if (ends.length > 0) match.$expr = { $and: ends };
  return match;
}

function collectStrings(value: JsonValue | undefined, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (value !== null && typeof value === "object")
    for (const v of Object.values(value)) collectStrings(v, out);
}

/**
 * The text a search `query` sees for `value`: every string in it (`index` absent/null), none (`false`), or the
 * strings under the given dotted field paths. `undefined` when there is nothing to index.
 */
export function indexedText(
  value: JsonObject,
  index: false | readonly string[] | null | undefined,
): string | undefined {
  if (index === false) return undefined;
  const out: string[] = [];
  if (index === null || index === undefined) collectStrings(value, out);
  else {
    for (const path of index) {
      let at: JsonValue | undefined = value;
      for (const part of path.split(".")) {
        at = at !== null && typeof at === "object" && !Array.isArray(at) ? at[part] : undefined;
      }
      collectStrings(at, out);
    }
  }
  return out.length > 0 ? out.join("\n") : undefined;
}
