/**
 * The long-term memory store's contract (docs/store.md): JSON objects ("items") under a namespace path and a key,
 * shared by every thread. The engine owns the interface so nodes can reach it as `ctx.store` without knowing
 * where it lives; `src/store/mongo/items.ts` implements it over MongoDB and the API's StoreService serves it.
 */
import type { JsonObject } from "./checkpoint.js";
import { EngineError } from "./errors.js";

/** One stored item. `expiresAt` is set only for an item stored with a TTL; `score` only by a text search. */
export interface StoreItem {
  namespace: string[];
  key: string;
  value: JsonObject;
  createdAt: Date;
  updatedAt: Date;
  expiresAt?: Date;
  score?: number;
}

/**
 * Options of {@link ItemStore.put}.
 * - `ttlMinutes`: the item expires this many minutes after the put (and after each refreshing read); absent or
 *   `null`: never. Must be a positive number.
 * - `index`: which strings of the value a text search (`query`) sees: absent/`null` every string, `false` none,
 *   a list of dotted field paths only the strings under those fields.
 */
export interface PutItemOptions {
  ttlMinutes?: number | null;
  index?: false | readonly string[] | null;
}

/** Options of {@link ItemStore.get}. `refreshTtl`: restart the item's TTL. @default true */
export interface GetItemOptions {
  refreshTtl?: boolean;
}

/**
 * Options of {@link ItemStore.search}.
 * - `filter`: value fields the item must contain, compared literally (keys and values are data, never query
 *   operators); a nested object matches by containment, a list or scalar exactly.
 * - `limit` @default 10, `offset` @default 0 (non-negative integers).
 * - `query`: text search over the indexed strings; results by relevance (`score`) instead of `updatedAt` desc.
 * - `refreshTtl`: restart the TTL of the items returned. @default true
 * - `scope`: an authorization filter on the value, ANDed with `filter` (LangGraph's filter form: per key `v`,
 *   `{"$eq": v}` or `{"$contains": v}`; docs/security.md "Filters"), as a `store:search` handler returns it.
 */
export interface SearchItemsOptions {
  filter?: JsonObject;
  scope?: JsonObject;
  limit?: number;
  offset?: number;
  query?: string;
  refreshTtl?: boolean;
}

/**
 * Options of {@link ItemStore.listNamespaces}: `prefix` / `suffix` labels the namespace starts / ends with (`"*"`
 * matches any one label); `maxDepth` truncates each namespace before deduplication; `limit` @default 100,
 * `offset` @default 0.
 */
export interface ListNamespacesOptions {
  prefix?: readonly string[];
  suffix?: readonly string[];
  maxDepth?: number;
  limit?: number;
  offset?: number;
}

/**
 * The store. Expired items are invisible to every read, whether or not the database has removed them yet.
 * Every method validates its arguments before any write and throws {@link InvalidItemError} naming the field.
 */
export interface ItemStore {
  /** Creates or replaces the item at (namespace, key); `createdAt` survives a replacement. */
  put(namespace: readonly string[], key: string, value: JsonObject, options?: PutItemOptions): Promise<void>;
  /** The live item at (namespace, key), or `undefined`. */
  get(namespace: readonly string[], key: string, options?: GetItemOptions): Promise<StoreItem | undefined>;
  /** Removes the item at (namespace, key), if any. */
  delete(namespace: readonly string[], key: string): Promise<void>;
  /** Live items whose namespace starts with `namespacePrefix` (empty: all), see {@link SearchItemsOptions}. */
  search(namespacePrefix: readonly string[], options?: SearchItemsOptions): Promise<StoreItem[]>;
  /**
   * Distinct namespaces of live items, sorted by their dot-joined path (docs/store.md), see
   * {@link ListNamespacesOptions}.
   */
  listNamespaces(options?: ListNamespacesOptions): Promise<string[][]>;
}

/** A store call with an invalid argument (HTTP 422, Connect InvalidArgument); `field` names it. */
export class InvalidItemError extends EngineError {
  override readonly name = "InvalidItemError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * Checks a namespace (docs/store.md "Namespaces"): a list of strings, none empty, none containing "." (labels are
 * joined with "." in URLs and storage). `required`: at least one label.
 * @throws InvalidItemError naming `field`
 */
export function checkNamespace(
  namespace: unknown,
  field: string,
  required: boolean,
): asserts namespace is string[] {
  if (!Array.isArray(namespace)) throw new InvalidItemError(field, "must be a list of labels");
  if (required && namespace.length === 0) throw new InvalidItemError(field, "must have at least one label");
  for (const label of namespace) {
    if (typeof label !== "string" || label === "" || label.includes(".")) {
      throw new InvalidItemError(
        field,
        `label ${JSON.stringify(label)} must be a non-empty string without periods`,
      );
    }
  }
}

/** Checks a key: a non-empty string. @throws InvalidItemError */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key === "") throw new InvalidItemError("key", "is required");
}

/** Checks a value: a JSON object (not a list, not null). @throws InvalidItemError */
export function checkValue(value: unknown): asserts value is JsonObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidItemError("value", "must be an object");
  }
}

/** Checks put options (`ttl` a positive number, `index` false or a list of field paths). @throws InvalidItemError */
export function checkPutOptions(options: PutItemOptions | undefined): void {
  const ttl = options?.ttlMinutes;
  if (ttl !== undefined && ttl !== null && !(typeof ttl === "number" && Number.isFinite(ttl) && ttl > 0)) {
    throw new InvalidItemError("ttl", "must be a positive number of minutes");
  }
  const index = options?.index;
  if (index === undefined || index === null || index === false) return;
  if (!Array.isArray(index) || index.some((p) => typeof p !== "string" || p === "")) {
    throw new InvalidItemError("index", "must be false or a list of field paths");
  }
}

/** Checks paging: non-negative integers. @throws InvalidItemError */
export function checkPaging(limit: number | undefined, offset: number | undefined): void {
  for (const [field, v] of [
    ["limit", limit],
    ["offset", offset],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
      throw new InvalidItemError(field, "must be a non-negative integer");
    }
  }
}
