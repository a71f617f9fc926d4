/**
 * Translates a history query (docs/semantics.md §6.2) into a MongoDB filter served by the `checkpoints` indexes.
 *
 * - `(thread_id, checkpoint_ns)` equality plus `checkpoint_id < before`, sorted by `checkpoint_id` descending:
 *   an index scan of the unique index with no in-memory sort, reading about `limit` documents.
 * - Metadata filter: exact equality per top-level key, AND-ed. `source` and `step` use the top-level mirror
 *   fields (`source` has its own index). Other keys compare `metadata.<escaped key>` with `$eq` against the
 *   escaped value, so keys like `$where` or `a.b` and values like `{"$gt": 1}` are data, never operators.
 *   `null` matches only a stored `null`, not a missing key. Object values compare exactly (same keys in the same order); an array value also matches a stored array
 *   that contains it as an element (MongoDB `$eq` semantics).
 */
import type { Document } from "mongodb";
import type { JsonValue } from "../../engine/checkpoint.js";
import type { HistoryQuery } from "../../engine/store.js";
import { InvalidQueryError } from "../errors.js";
import { escapeKey } from "./encoding.js";
import { valueCondition } from "./filters.js";

/** Metadata keys mirrored as top-level checkpoint fields. */
const MIRRORED = new Set(["source", "step"]);

function isJsonValue(value: unknown): value is JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJsonValue);
      return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isJsonValue);
    default:
      return false;
  }
}

/**
 * The filter and limit of a history query. `limit` is `undefined` for "all"; `0` means the caller should return
 * an empty list without querying.
 * @throws InvalidQueryError when `limit` is not a non-negative integer, `before` is not a string, or the metadata
 *   filter is not a plain object of JSON values.
 */
export function historyFilter(query: HistoryQuery): { filter: Document; limit: number | undefined } {
  const { limit, before, metadata } = query;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new InvalidQueryError("limit", `must be a non-negative integer, got ${String(limit)}`);
  }
  const filter: Document = { thread_id: query.threadId, checkpoint_ns: query.checkpointNs ?? "" };
  if (before !== undefined) {
    if (typeof before !== "string") throw new InvalidQueryError("before", "must be a checkpoint id string");
    filter.checkpoint_id = { $lt: before };
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
      throw new InvalidQueryError("metadata", "must be an object of top-level metadata keys");
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (!isJsonValue(value)) throw new InvalidQueryError(`metadata.${key}`, "must be a JSON value");
      const path = MIRRORED.has(key) ? key : `metadata.${escapeKey(key)}`;
      filter[path] = valueCondition(value);
    }
  }
  return { filter, limit };
}
