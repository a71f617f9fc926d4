/**
 * The saver's fast path around LangGraph's default serializer (`src/host/langgraphjs/plain-json.ts`): for plain
 * JSON data the copy equals the serializer's document (write) and its reading back (read); everything the
 * serializer treats specially is left to it.
 */
import { AIMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { expect, it } from "vitest";
import { copyPlainJson, NOT_PLAIN } from "../../src/host/langgraphjs/plain-json.js";

// The serializer LangGraph's savers use by default (`BaseCheckpointSaver.serde`).
const serde = new MemorySaver().serde;
const serialized = async (value: unknown) =>
  JSON.parse(new TextDecoder().decode((await serde.dumpsTyped(value))[1] as Uint8Array));

const plain: unknown[] = [
  "text",
  0,
  -1.5,
  true,
  null,
  [],
  {},
  { messages: ["bench", "node_a"], nested: { n: 1, list: [{ a: null }, [1, "2"]] } },
  Object.assign(Object.create(null), { k: "v" }),
];

it("copies plain JSON data exactly as the serializer writes it and reads it back", async () => {
  for (const value of plain) {
    const doc = await serialized(value);
    expect(copyPlainJson(value, "lg_name")).toEqual(doc);
    expect(copyPlainJson(doc, "lc")).toEqual(await serde.loadsTyped("json", JSON.stringify(doc)));
  }
});

it("returns a copy, not the value", () => {
  const value = { list: [1, { a: 2 }] };
  const copy = copyPlainJson(value, "lg_name") as typeof value;
  expect(copy).toEqual(value);
  expect(copy).not.toBe(value);
  expect(copy.list).not.toBe(value.list);
  expect(copy.list[1]).not.toBe(value.list[1]);
  expect(Object.is(copyPlainJson(-0, "lg_name"), 0)).toBe(true);
});

it("leaves to the serializer what it treats specially", () => {
  const special: unknown[] = [
    undefined,
    { a: undefined },
    [1, undefined],
    new Array(2),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    10n,
    () => 1,
    Symbol("s"),
    new Date(0),
    new Map([["a", 1]]),
    new Set([1]),
    new Uint8Array([1]),
    /re/g,
    new Error("boom"),
    new AIMessage("hi"),
    { inner: new AIMessage("hi") },
    JSON.parse('{"__proto__": {"polluted": true}}'),
  ];
  for (const value of special) expect(copyPlainJson(value, "lg_name")).toBe(NOT_PLAIN);
  // Send-shaped objects are rewritten by the serializer on write; `lc` records are rebuilt by its reader.
  expect(copyPlainJson({ lg_name: "Send", node: "n", args: {} }, "lg_name")).toBe(NOT_PLAIN);
  expect(copyPlainJson([{ lc: 2, type: "undefined" }], "lc")).toBe(NOT_PLAIN);
  expect(copyPlainJson({ lc: 2, type: "undefined" }, "lg_name")).toEqual({ lc: 2, type: "undefined" });
});
