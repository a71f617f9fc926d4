/**
 * The heap relief (`src/runtime/heap-relief.ts`): two to four full collections once the waiter count moved by the
 * threshold and then stayed still; nothing for smaller moves, nothing while the count keeps moving, nothing at 0.
 */
import { describe, expect, it } from "vitest";
import { createHeapRelief } from "../../src/runtime/heap-relief.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("heap relief", () => {
  it("collects (two to four times) once a burst of waiters has come and the count stays still", async () => {
    let collections = 0;
    let reliefs = 0;
    const relief = createHeapRelief({
      threshold: 100,
      quietMs: 20,
      collect: () => collections++,
      onRelief: () => reliefs++,
    });
    for (let n = 1; n <= 150; n++) relief.changed(n);
    await expect.poll(() => reliefs, { timeout: 10_000 }).toBe(1);
    expect(collections).toBeGreaterThanOrEqual(2);
    expect(collections).toBeLessThanOrEqual(4);
    const first = collections;
    // The burst closing again is the next relief's move.
    for (let n = 149; n >= 0; n--) relief.changed(n);
    await expect.poll(() => reliefs, { timeout: 10_000 }).toBe(2);
    expect(collections - first).toBeGreaterThanOrEqual(2);
    expect(collections - first).toBeLessThanOrEqual(4);
    relief.close();
  });

  it("does nothing while the count moves by less than the threshold, or when the threshold is 0", async () => {
    let collections = 0;
    const small = createHeapRelief({ threshold: 100, quietMs: 10, collect: () => collections++ });
    const off = createHeapRelief({ threshold: 0, quietMs: 10, collect: () => collections++ });
    for (let round = 0; round < 5; round++) {
      for (let n = 1; n <= 99; n++) small.changed(n);
      for (let n = 98; n >= 0; n--) small.changed(n);
    }
    for (let n = 1; n <= 10_000; n++) off.changed(n);
    await sleep(300);
    expect(collections).toBe(0);
    small.close();
    off.close();
  });

  it("waits while the count keeps changing", async () => {
    let collections = 0;
    const relief = createHeapRelief({ threshold: 10, quietMs: 150, collect: () => collections++ });
    for (let n = 1; n <= 10; n++) relief.changed(n);
    // A change every 20 ms for 600 ms: never 150 ms without one.
    for (let i = 0; i < 30; i++) {
      relief.changed(10 + (i % 2));
      await sleep(20);
    }
    expect(collections).toBe(0);
    await expect.poll(() => collections, { timeout: 10_000 }).toBeGreaterThan(0);
    relief.close();
  });

  it("runs the runtime's own collection when none is given", async () => {
    let reliefs = 0;
    const relief = createHeapRelief({ threshold: 1, quietMs: 10, onRelief: () => reliefs++ });
    relief.changed(1);
    await expect.poll(() => reliefs, { timeout: 10_000 }).toBe(1);
    relief.close();
  });
});
