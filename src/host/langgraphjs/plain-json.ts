/**
 * Fast paths of the saver (`./saver.ts`) around LangGraph's default serializer (`JsonPlusSerializer`), for the
 * common case of state made of plain JSON data (strings, finite numbers, booleans, null, dense arrays, objects whose
 * prototype is `Object.prototype` or null). For such a value the serializer's document is the value itself, and
 * reading it back yields the same data, so both sides can be one copying walk instead of `JSON.stringify` with a
 * replacer, `TextEncoder`, `TextDecoder` and `JSON.parse` (write) or `JSON.stringify`, `JSON.parse` and an async
 * reviver per node (read). Anything else is left to the serializer: class instances (LangChain messages, `Date`,
 * `Map`, `Set`, typed arrays), `undefined`, functions, non-finite numbers, and the keys the serializer gives a
 * meaning to (`lg_name` on write, `lc` on read), plus `__proto__`.
 */
import type { JsonValue } from "../../engine/index.js";

/** Returned by {@link copyPlainJson} when `value` is not plain JSON data. */
export const NOT_PLAIN: unique symbol = Symbol("not plain JSON");

/**
 * A deep copy of `value` when it is plain JSON data (see the module doc), else {@link NOT_PLAIN}. `-0` becomes `0`,
 * as through JSON text. `reserved` is the key whose presence in any object makes the value not plain: `"lg_name"`
 * when encoding (the serializer rewrites `Send`-shaped objects), `"lc"` when decoding (its reviver rebuilds
 * objects carrying `lc`). Recursion depth follows the value's nesting (LangGraph state is a shallow tree).
 */
export function copyPlainJson(value: unknown, reserved: "lg_name" | "lc"): JsonValue | typeof NOT_PLAIN {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value + 0 : NOT_PLAIN;
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out: JsonValue[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = copyPlainJson(value[i], reserved);
          if (item === NOT_PLAIN) return NOT_PLAIN;
          out[i] = item;
        }
        return out;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
      const out: Record<string, JsonValue> = {};
      for (const key of Object.keys(value)) {
        if (key === reserved || key === "__proto__") return NOT_PLAIN;
        const item = copyPlainJson((value as Record<string, unknown>)[key], reserved);
        if (item === NOT_PLAIN) return NOT_PLAIN;
        out[key] = item;
      }
      return out;
    }
    default:
      return NOT_PLAIN;
  }
}
