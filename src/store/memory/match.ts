/**
 * Query semantics of the MongoDB store, in memory: containment and authorization filters evaluated the way the
 * `$eq`/`$type`/`$all` filters of `src/store/mongo/filters.ts` are, BSON sort order, paging validation, and deep
 * copies (records never alias stored state, as documents read back from a database never do).
 *
 * Matched on purpose: a dotted path walks into arrays of objects (`{a: {b: 1}}` matches `{a: [{b: 1}]}`); a scalar
 * or array query value also matches a stored array holding it as an element; objects inside arrays compare with
 * key order (BSON equality); `null` matches a stored `null`, never a missing key. Strings sort by UTF-8 bytes
 * (MongoDB's binary collation), types in BSON order (null < numbers < strings < objects < booleans < dates).
 */
import type { JsonObject, JsonValue } from "../../engine/checkpoint.js";
import { InvalidQueryError } from "../errors.js";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Deep copy of a record: JSON values, `Date`s (copied), `Map`-free plain objects and arrays; `__proto__` stays
 * an own key.
 */
export function clone<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = clone((value as Record<string, unknown>)[key]);
    if (key === "__proto__")
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out as T;
}

/** BSON equality of two JSON values: arrays element-wise, objects key by key in order, numbers by value. */
export function bsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => bsonEqual(x, b[i]));
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  return (
    ak.length === bk.length &&
    ak.every(
      (k, i) =>
        k === bk[i] && bsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/** The values a dotted path reaches in `value`, walking into arrays as a MongoDB query path does. */
function reach(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [value];
  const [head, ...rest] = path as [string, ...string[]];
  if (isPlainObject(value)) return Object.hasOwn(value, head) ? reach(value[head], rest) : [];
  if (!Array.isArray(value)) return [];
  const out: unknown[] = [];
  if (/^\d+$/.test(head) && Number(head) < value.length) out.push(...reach(value[Number(head)], rest));
  for (const element of value) if (isPlainObject(element)) out.push(...reach(element, path));
  return out;
}

/** A leaf condition: `test` applies to the reached value and, as MongoDB does, to each element of an array. */
type Leaf = (value: unknown) => boolean;

function eqLeaf(wanted: JsonValue): Leaf {
  if (wanted === null) return (v) => v === null;
  return (v) => bsonEqual(v, wanted);
}

function matchesAt(stored: unknown, path: readonly string[], leaf: Leaf): boolean {
  return reach(stored, path).some((v) => leaf(v) || (Array.isArray(v) && v.some((e) => leaf(e))));
}

/** One path condition of a compiled filter. */
type Condition = (doc: unknown) => boolean;

/**
 * The predicate of a containment query on a record field (`containmentFilter`): each key present with an equal
 * value, nested objects by containment, a nested `{}` requiring an object.
 * @throws InvalidQueryError when `query` is not a plain object
 */
export function containment(field: string, query: JsonObject | undefined): (stored: unknown) => boolean {
  if (query === undefined) return () => true;
  if (!isPlainObject(query)) throw new InvalidQueryError(field, "must be an object");
  const conditions: Condition[] = [];
  const walk = (path: string[], value: JsonValue): void => {
    if (isPlainObject(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0 && path.length > 0) {
        conditions.push((doc) => matchesAt(doc, path, isPlainObject));
        return;
      }
      for (const key of keys) walk([...path, key], value[key] as JsonValue);
      return;
    }
    const leaf = eqLeaf(value);
    conditions.push((doc) => matchesAt(doc, path, leaf));
  };
  walk([], query);
  return (stored) => conditions.every((c) => c(stored));
}

/**
 * The predicate of an authorization filter (`scopeFilter`): per key `v` or `{"$eq": v}` an equal value,
 * `{"$contains": v | v[]}` a stored list holding every value.
 */
export function scope(filter: JsonObject | undefined): (stored: unknown) => boolean {
  if (filter === undefined) return () => true;
  const conditions: Condition[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    const only = isPlainObject(condition) ? Object.keys(condition) : [];
    if (only.length === 1 && only[0] === "$eq") {
      const leaf = eqLeaf((condition as JsonObject).$eq as JsonValue);
      conditions.push((doc) => matchesAt(doc, [key], leaf));
    } else if (only.length === 1 && only[0] === "$contains") {
      const wanted = (condition as JsonObject).$contains as JsonValue;
      const items = Array.isArray(wanted) ? wanted : [wanted];
      conditions.push((doc) =>
        reach(doc, [key]).some(
          (v) =>
            Array.isArray(v) &&
            items.every((item) => v.some((e) => bsonEqual(e, item)) || bsonEqual(v, item)),
        ),
      );
    } else {
      const leaf = eqLeaf(condition as JsonValue);
      conditions.push((doc) => matchesAt(doc, [key], leaf));
    }
  }
  return (stored) => conditions.every((c) => c(stored));
}

function typeRank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "number") return 1;
  if (typeof v === "string") return 2;
  if (Array.isArray(v)) return 4;
  if (typeof v === "boolean") return 5;
  if (v instanceof Date) return 6;
  return 3;
}

/** Compares two sort keys in BSON order (see module doc); strings by UTF-8 bytes. */
export function compareBson(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  return 0;
}

/** A comparator over `keys(x)` in order, each ascending or descending. */
export function sortBy<T>(
  keys: (x: T) => unknown[],
  directions: ReadonlyArray<1 | -1>,
): (a: T, b: T) => number {
  return (a, b) => {
    const ka = keys(a);
    const kb = keys(b);
    for (let i = 0; i < ka.length; i++) {
      const c = compareBson(ka[i], kb[i]);
      if (c !== 0) return c * (directions[i] ?? 1);
    }
    return 0;
  };
}

/** Validated paging, as `paging` of the MongoDB filters. @throws InvalidQueryError */
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

/**
 * `items[offset, offset + limit)`; `limit` 0 means no limit, as a MongoDB cursor's `limit(0)` does (callers that
 * want an empty page for 0 check it first).
 */
export function page<T>(items: readonly T[], offset: number, limit: number): T[] {
  return items.slice(offset, limit === 0 ? undefined : offset + limit);
}
