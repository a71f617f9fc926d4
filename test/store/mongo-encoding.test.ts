/**
 * The key-escaping and value-encoding scheme of the Mongo store (src/store/mongo/encoding.ts), property-style over
 * many generated keys and values, through the real BSON serializer (no server needed).
 */
import { BSON } from "mongodb";
import { describe, expect, it } from "vitest";
import { decodeJson, encodeJson, escapeKey, unescapeKey } from "../../src/store/mongo/encoding.js";
import { AWKWARD_KEYS, exact, prng, randomJson } from "./mongo-fixtures.js";

const ALPHABET = ["%", ".", "$", "\0", "u", "2", "E", "5", "a", "\ud800", "\udc00", "😀", "_", "s", "0", "4"];

function randomKey(random: () => number): string {
  const length = Math.floor(random() * 8);
  let key = "";
  for (let i = 0; i < length; i++) key += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return key;
}

describe("escapeKey", () => {
  it("is reversible and yields keys that are safe in a dotted query path (20,000 random keys)", () => {
    const random = prng(7);
    const seen = new Map<string, string>();
    for (const key of [...AWKWARD_KEYS, ...Array.from({ length: 20_000 }, () => randomKey(random))]) {
      const escaped = escapeKey(key);
      expect(unescapeKey(escaped)).toBe(key);
      expect(escaped).not.toMatch(/[.\0]|^\$|^$/);
      expect(/\p{Cs}/u.test(escaped)).toBe(false);
      const previous = seen.get(escaped);
      if (previous !== undefined) expect(previous).toBe(key);
      seen.set(escaped, key);
    }
  });

  it("leaves ordinary keys alone and uses the documented escapes", () => {
    expect(escapeKey("messages")).toBe("messages");
    expect(escapeKey("branch:to:a")).toBe("branch:to:a");
    expect(escapeKey("a.b")).toBe("a%2Eb");
    expect(escapeKey("$gt")).toBe("%24gt");
    expect(escapeKey("a$b")).toBe("a$b");
    expect(escapeKey("100%")).toBe("100%25");
    expect(escapeKey("")).toBe("%");
    expect(escapeKey("\ud800")).toBe("%uD800");
  });
});

describe("encodeJson / decodeJson", () => {
  it("round-trips 3,000 generated values exactly through BSON", () => {
    const random = prng(99);
    for (let i = 0; i < 3000; i++) {
      const value = randomJson(random, 5);
      const encoded = encodeJson({ v: value });
      const back = BSON.deserialize(BSON.serialize(encoded.value as BSON.Document));
      const decoded = encoded.escaped ? decodeJson(back) : back;
      expect(exact((decoded as { v: unknown }).v)).toBe(exact(value));
    }
  });

  it("does not copy values that need no escaping, and never mutates its input", () => {
    const plain = { a: [1, { b: "c" }] };
    expect(encodeJson(plain)).toEqual({ value: plain, escaped: false });
    expect(encodeJson(plain).value).toBe(plain);
    const awkward = { "a.b": { $x: "\ud800" } };
    const snapshot = exact(awkward);
    const encoded = encodeJson(awkward);
    expect(encoded.escaped).toBe(true);
    expect(encoded.value).toEqual({ "a%2Eb": { "%24x": { "%s": '"\\ud800"' } } });
    expect(exact(awkward)).toBe(snapshot);
  });

  it("keeps an own __proto__ key as data, never as the prototype", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a.b": 1}');
    const decoded = decodeJson(encodeJson(value).value) as Record<string, unknown>;
    expect(Object.keys(decoded)).toEqual(["__proto__", "a.b"]);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
