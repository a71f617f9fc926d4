/**
 * `passThrough` (`src/runtime/pass-through.ts`): values and errors mapped, the end noted once, and an early
 * `return()` or `throw()` reaching the source as it would through `for await`.
 */
import { describe, expect, it } from "vitest";
import { passThrough } from "../../src/runtime/pass-through.js";

async function* numbers(log: string[], fail?: Error): AsyncGenerator<number> {
  try {
    yield 1;
    yield 2;
    if (fail) throw fail;
    yield 3;
  } finally {
    log.push("source closed");
  }
}

describe("passThrough", () => {
  it("maps every value and notes the end once", async () => {
    const log: string[] = [];
    const seen: string[] = [];
    for await (const v of passThrough(numbers(log), { value: (n) => `#${n}`, done: () => log.push("done") }))
      seen.push(v);
    expect(seen).toEqual(["#1", "#2", "#3"]);
    expect(log).toEqual(["source closed", "done"]);
  });

  it("maps the source's error, and does not note an end", async () => {
    const log: string[] = [];
    const seen: number[] = [];
    const mapped = passThrough(numbers(log, new Error("boom")), {
      error: (e) => new Error(`mapped: ${(e as Error).message}`),
      done: () => log.push("done"),
    });
    await expect(
      (async () => {
        for await (const v of mapped) seen.push(v);
      })(),
    ).rejects.toThrow("mapped: boom");
    expect(seen).toEqual([1, 2]);
    expect(log).toEqual(["source closed"]);
  });

  it("closes the source when the consumer stops early (break) or throws into it", async () => {
    const log: string[] = [];
    for await (const v of passThrough(numbers(log), {})) if (v === 1) break;
    expect(log).toEqual(["source closed"]);
    const log2: string[] = [];
    const it = passThrough(numbers(log2), { error: (e) => e });
    await it.next();
    await expect(it.throw?.(new Error("write failed"))).rejects.toThrow("write failed");
    expect(log2).toEqual(["source closed"]);
  });
});
