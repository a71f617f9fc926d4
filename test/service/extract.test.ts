/**
 * docs/api.md §3 "extract" and §7 "Thread stream": the pure parsers — `extract` paths and their values, and the
 * thread stream's `Last-Event-ID`.
 */
import { describe, expect, it } from "vitest";
import { parseThreadEventId } from "../../src/runtime/thread-stream.js";
import { InvalidInputError } from "../../src/service/errors.js";
import { extractValues, parseExtract } from "../../src/service/extract.js";

const ROOTS = ["values", "metadata"];

describe("extract", () => {
  it("follows keys and indexes, negative from the end; misses and private keys are null", () => {
    const paths = parseExtract(
      {
        last: "values.messages[-1].content",
        first: "values.messages[0].content",
        nested: "metadata.a.b",
        miss: "values.messages[5]",
        notList: "metadata.a[0]",
        hidden: "metadata._secret",
        whole: "metadata",
      },
      ROOTS,
      ["thread_id"],
    );
    const item = {
      values: { messages: [{ content: "hi" }, { content: "bye" }] },
      metadata: { a: { b: 2 }, _secret: "no" },
    };
    expect(extractValues(item, paths)).toEqual({
      last: "bye",
      first: "hi",
      nested: 2,
      miss: null,
      notList: null,
      hidden: null,
      whole: { a: { b: 2 }, _secret: "no" },
    });
  });

  it("refuses unknown roots, malformed paths, bad and reserved aliases, more than 10 paths, naming the field", () => {
    const refusal = (extract: Record<string, string>) => {
      try {
        parseExtract(extract, ROOTS, ["thread_id"]);
      } catch (error) {
        if (error instanceof InvalidInputError) return { field: error.field, message: error.message };
      }
      return undefined;
    };
    expect(refusal({ a: "config.x" })).toEqual({
      field: "extract.a",
      message: "Extract path 'config.x' must start with one of: metadata, values",
    });
    expect(refusal({ a: "values..x" })?.field).toBe("extract.a");
    expect(refusal({ a: "values[x]" })?.field).toBe("extract.a");
    expect(refusal({ "a-b": "values.x" })?.field).toBe("extract.a-b");
    expect(refusal({ thread_id: "values.x" })?.field).toBe("extract");
    expect(
      refusal(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "values"])))?.field,
    ).toBe("extract");
  });
});

describe("thread stream Last-Event-ID", () => {
  const run = "0193a2b4-1c2d-7e8f-9a0b-1c2d3e4f5a6b";
  it("reads <run_id>:<seq>, <run_id>:done and -; empty is live; anything else is null", () => {
    expect(parseThreadEventId(`${run}:12`)).toEqual({ runId: run, seq: 12 });
    expect(parseThreadEventId(`${run.toUpperCase()}:done`)).toEqual({ runId: run, seq: "done" });
    expect(parseThreadEventId("-")).toBe("start");
    expect(parseThreadEventId(" ")).toBeUndefined();
    expect(parseThreadEventId(null)).toBeUndefined();
    for (const bad of ["12", `${run}:`, `${run}:-1`, "1724342400000-0", `${run}:1:2`]) {
      expect(parseThreadEventId(bad), bad).toBeNull();
    }
  });
});
