/**
 * Query helpers shared by the thread, run and assistant collections: containment filters that treat every key
 * and value as data, and paging validation.
 */
import type { Collection, Document, Filter, WithId } from "mongodb";
import type { JsonObject, JsonValue } from "../../engine/checkpoint.js";
import { InvalidQueryError } from "../errors.js";
import { encodeAlways, escapeKey } from "./encoding.js";

function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * A filter matching documents whose `field` *contains* `query` (docs/api.md §3 thread search "metadata containment"):
 * each key must be present; a nested object matches when it contains the nested keys; an empty object matches any
 * object; arrays and scalars compare exactly with `$eq` (an array also matches a stored array holding it as an
 * element). Keys are escaped (`encoding.ts`) so `$where`, `$gt` or `a.b` are literal keys; values are escaped and
 * compared with `$eq`, so `{"$gt": 1}` is a literal value.
 * @throws InvalidQueryError when `query` is not a plain object.
 */
export function containmentFilter(field: string, query: JsonObject | undefined): Document {
  const filter: Document = {};
  if (query === undefined) return filter;
  if (!isPlainObject(query)) throw new InvalidQueryError(field, "must be an object");
  const walk = (prefix: string, value: JsonValue): void => {
    if (isPlainObject(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0 && prefix !== field) {
        filter[prefix] = { $type: "object" };
        return;
      }
      for (const key of keys) walk(`${prefix}.${escapeKey(key)}`, value[key] as JsonValue);
      return;
    }
    filter[prefix] = valueCondition(value);
  };
  walk(field, query);
  return filter;
}

/**
 * The condition a stored field must meet to equal a client `value` (agent-api §3 "metadata containment"): `null`
 * matches only a stored `null` (`$type: "null"`, never a missing field, which `$eq: null` would match); every other
 * value is escaped (`encoding.ts`) and compared with `$eq`, so no client value becomes a query operator.
 */
export function valueCondition(value: JsonValue): Document {
  if (value === null) return { $type: "null" };
  return { $eq: encodeAlways(value) };
}

/**
 * The query of an authorization filter on `field` (`AuthFilter`, LangGraph's filter form; docs/security.md
 * "Filters"): per key, `{"$eq": v}` or a plain `v` needs the stored value to equal `v` exactly (see
 * {@link valueCondition}); `{"$contains": v}` (or a list of values) needs a stored list holding every value. Keys
 * are escaped and values compared as data, so no other `$` key of a filter ever becomes a query operator.
 */
export function scopeFilter(field: string, scope: JsonObject): Document {
  const filter: Document = {};
  for (const [key, condition] of Object.entries(scope)) {
    const stored = `${field}.${escapeKey(key)}`;
    const only = isPlainObject(condition) ? Object.keys(condition) : [];
    if (only.length === 1 && only[0] === "$eq") {
      filter[stored] = valueCondition((condition as JsonObject).$eq as JsonValue);
    } else if (only.length === 1 && only[0] === "$contains") {
      const wanted = (condition as JsonObject).$contains as JsonValue;
      const items = Array.isArray(wanted) ? wanted : [wanted];
      filter[stored] =
        items.length === 0 ? { $type: "array" } : { $type: "array", $all: items.map((v) => encodeAlways(v)) };
    } else {
      filter[stored] = valueCondition(condition as JsonValue);
    }
  }
  return filter;
}

/** Validated paging. `limit` default `defaultLimit`, `offset` default 0. */
export function paging(
  limit: number | undefined,
  offset: number | undefined,
  defaultLimit = 10,
): { limit: number; offset: number } {
  const l = limit ?? defaultLimit;
  const o = offset ?? 0;
  if (!(Number.isInteger(l) && l >= 0))
    throw new InvalidQueryError("limit", "must be a non-negative integer");
  if (!(Number.isInteger(o) && o >= 0))
    throw new InvalidQueryError("offset", "must be a non-negative integer");
  return { limit: l, offset: o };
}

/** Escapes every key of a record for storage (`encoding.ts`); a no-copy pass when nothing needs escaping. */
export function toStored(value: JsonValue | Record<string, unknown>): unknown {
  return encodeAlways(value);
}

/** A page of search results and the total number of matches. */
export interface SearchPage<T> {
  items: T[];
  total: number;
}

/** How {@link searchPage} pages and sorts. */
export interface SearchPaging {
  /** @default 10 */
  limit?: number | undefined;
  /** @default 0 */
  offset?: number | undefined;
  /** Stored field to sort by (a value of the collection's sort-field table). @default "created_at" */
  sortField?: string | undefined;
  /** @default "desc" */
  sortOrder?: "asc" | "desc" | undefined;
}

/**
 * One page of `filter`'s matches plus their count, in parallel: sorted by `sortField` then `_id` (so equal
 * sort keys page stably), `offset` skipped, at most `limit` (0 counts only).
 *
 * @throws InvalidQueryError for a negative or fractional `limit`/`offset`
 */
export async function searchPage<D extends Document, T>(
  collection: Collection<D>,
  filter: Filter<D>,
  query: SearchPaging,
  fromDoc: (doc: WithId<D>) => T,
): Promise<SearchPage<T>> {
  const { limit, offset } = paging(query.limit, query.offset);
  const direction = query.sortOrder === "asc" ? 1 : -1;
  const sortField = query.sortField ?? "created_at";
  const sort: Record<string, 1 | -1> = { [sortField]: direction };
  if (sortField !== "_id") sort._id = direction;
  const [docs, total] = await Promise.all([
    limit === 0 ? [] : collection.find(filter, { sort, skip: offset, limit }).toArray(),
    collection.countDocuments(filter),
  ]);
  return { items: docs.map(fromDoc), total };
}
