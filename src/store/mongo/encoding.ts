/**
 * JSON ⇄ BSON encoding that round-trips every JSON value exactly while keeping documents readable and queryable in
 * the Mongo shell (DESIGN.md "MongoDB data model").
 *
 * What BSON cannot carry as-is, and how it is escaped (reversibly, collision-free):
 * - **Keys** containing `%`, `.` or NUL, keys starting with `$`, the empty key, and keys with a lone UTF-16
 *   surrogate are percent-escaped: `%` → `%25`, `.` → `%2E`, NUL → `%00`, a leading `$` → `%24`, a lone surrogate →
 *   `%uD83D`, and `""` → `%`. Since every literal `%` is escaped, decoding is unambiguous, and an escaped key never
 *   contains `.` or starts with `$`, so it can be used in a dotted query path without operator injection.
 * - **Strings** with a lone surrogate (valid in JSON, lost by UTF-8) become `{"%s": <JSON text of the string>}`.
 *   `%s` is not a valid escape, so no escaped user key can equal it.
 * - **Numbers** are stored as the driver does: int32 when the value is an integer in int32 range (including
 *   `-0`, which the driver stores as a double), double otherwise. JavaScript has one number type, so `1` and `1.0`
 *   are the same value; every double (`-0` included, subnormals, 2^53+, 1e308) comes back bit-identical.
 *   `NaN`/`±Infinity` are not JSON but survive as doubles too.
 * Everything else (null, booleans, unicode strings, nested arrays/objects, key order) is native BSON.
 *
 * Encoding is a no-copy pass when nothing needs escaping (the common case): `encodeJson` reports whether it
 * copied, and documents record which fields need `decodeJson` on read.
 */
import type { JsonValue } from "../../engine/checkpoint.js";

/** Marker key of a tagged string (see module doc). */
const STRING_TAG = "%s";
const KEY_NEEDS_ESCAPE = /^\$|^$|[%.\0]|\p{Cs}/u;
const KEY_HAS_ESCAPE = /%/;

function isLoneSurrogate(key: string, i: number): boolean {
  const c = key.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const n = key.charCodeAt(i + 1);
    return !(n >= 0xdc00 && n <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const p = key.charCodeAt(i - 1);
    return !(p >= 0xd800 && p <= 0xdbff);
  }
  return false;
}

/** Escapes one object key for storage (see module doc). Idempotent only on keys that need no escaping. */
export function escapeKey(key: string): string {
  if (!KEY_NEEDS_ESCAPE.test(key)) return key;
  if (key === "") return "%";
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const ch = key[i] as string;
    if (ch === "%") out += "%25";
    else if (ch === ".") out += "%2E";
    else if (ch === "\0") out += "%00";
    else if (ch === "$" && i === 0) out += "%24";
    else if (isLoneSurrogate(key, i))
      out += `%u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}

/** Reverses `escapeKey`. */
export function unescapeKey(key: string): string {
  if (!KEY_HAS_ESCAPE.test(key)) return key;
  if (key === "%") return "";
  return key.replace(/%(u[0-9A-F]{4}|[0-9A-F]{2})/g, (_m, code: string) =>
    String.fromCharCode(Number.parseInt(code[0] === "u" ? code.slice(1) : code, 16)),
  );
}

const LONE_SURROGATE = /\p{Cs}/u;

function stringNeedsTag(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/** True when `value` holds a key or a string that must be escaped before storage. */
export function needsEscape(value: unknown): boolean {
  if (typeof value === "string") return stringNeedsTag(value);
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (const item of value) if (needsEscape(item)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (KEY_NEEDS_ESCAPE.test(key) || needsEscape((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}

function escapeDeep(value: unknown): unknown {
  if (typeof value === "string")
    return stringNeedsTag(value) ? { [STRING_TAG]: JSON.stringify(value) } : value;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(escapeDeep);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    setOwn(out, escapeKey(key), escapeDeep((value as Record<string, unknown>)[key]));
  return out;
}

/**
 * Prepares a JSON value for storage. Returns the value itself (`escaped: false`) when nothing needs escaping,
 * else an escaped deep copy (`escaped: true`); the input is never modified.
 */
export function encodeJson<T extends JsonValue | Record<string, unknown>>(
  value: T,
): { value: unknown; escaped: boolean } {
  if (!needsEscape(value)) return { value, escaped: false };
  return { value: escapeDeep(value), escaped: true };
}

/** Encodes unconditionally (always returns a value safe to store). For small documents where a flag is not worth it. */
export function encodeAlways(value: unknown): unknown {
  return needsEscape(value) ? escapeDeep(value) : value;
}

/**
 * Reverses `encodeJson`/`encodeAlways`. Objects are rebuilt with `Object.prototype` and own `__proto__` keys kept
 * as data. Values that were never escaped decode to themselves (structurally), so calling it is always safe.
 */
export function decodeJson(value: unknown): JsonValue {
  if (value === null || typeof value !== "object") return value as JsonValue;
  if (Array.isArray(value)) return value.map(decodeJson);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === STRING_TAG && typeof record[STRING_TAG] === "string") {
    return JSON.parse(record[STRING_TAG]) as string;
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) setOwn(out, unescapeKey(key), decodeJson(record[key]));
  return out as JsonValue;
}
