/**
 * `durableClientOptions` (src/store/mongo/client-options.ts): majority journaled writes and retryable reads and
 * writes by default; whatever the connection string names itself is left to it.
 */
import { describe, expect, it } from "vitest";
import { durableClientOptions } from "../../src/store/mongo/client-options.js";

describe("durableClientOptions", () => {
  it("asks for w: majority, journal, retryable reads and writes when the URI says nothing", () => {
    expect(durableClientOptions("mongodb://a:1,b:2,c:3/?replicaSet=rs0")).toEqual({
      writeConcern: { w: "majority", journal: true },
      retryWrites: true,
      retryReads: true,
    });
    expect(durableClientOptions("mongodb://a:1")).toMatchObject({ writeConcern: { w: "majority" } });
  });

  it("leaves the URI's own choices (any case) alone", () => {
    expect(durableClientOptions("mongodb://a:1/?w=1&retryWrites=false&RETRYREADS=false")).toEqual({});
    expect(durableClientOptions("mongodb+srv://x.example.com/?journal=false")).toEqual({
      retryWrites: true,
      retryReads: true,
    });
  });
});
