/**
 * An authorization filter checked against one record's metadata in memory, with the same rules as the store's
 * query (`scopeFilter` in `src/store/mongo/filters.ts`, docs/security.md "Filters").
 */
import { isDeepStrictEqual } from "node:util";
import type { JsonObject, JsonValue } from "../../engine/index.js";
import type { AuthFilter } from "./types.js";

function isPlainObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** True when `metadata` passes `scope` (no scope: always). */
export function scopeMatches(metadata: JsonObject | undefined, scope: AuthFilter | undefined): boolean {
  if (!scope) return true;
  for (const [key, condition] of Object.entries(scope)) {
    const stored = metadata && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
    const only = isPlainObject(condition) ? Object.keys(condition) : [];
    if (only.length === 1 && only[0] === "$contains") {
      if (!Array.isArray(stored)) return false;
      const wanted = (condition as JsonObject).$contains as JsonValue;
      const items = Array.isArray(wanted) ? wanted : [wanted];
      if (!items.every((w) => stored.some((s) => isDeepStrictEqual(s, w)))) return false;
      continue;
    }
    const expected = only.length === 1 && only[0] === "$eq" ? (condition as JsonObject).$eq : condition;
    if (stored === undefined || !isDeepStrictEqual(stored, expected)) return false;
  }
  return true;
}
