/**
 * The periodic pass behind the cron poll and the thread TTL sweep: failures are counted in a row and the first
 * pass that works after them is reported, so an outage logs a few lines instead of one per interval.
 */
import { describe, expect, it } from "vitest";
import { createPeriodicTask, isLoggedFailure } from "../../src/runtime/periodic.js";

describe("createPeriodicTask", () => {
  it("counts failed passes in a row and reports the pass that works again", async () => {
    let calls = 0;
    const failures: [string, number][] = [];
    const recovered: number[] = [];
    const task = createPeriodicTask(
      async () => {
        calls += 1;
        // Fails passes 1–3 and 5, works on 4 and from 6 on.
        if (calls <= 3 || calls === 5) throw new Error(`pass ${calls}`);
        return calls;
      },
      5,
      (error, inARow) => failures.push([(error as Error).message, inARow]),
      (inARow) => recovered.push(inARow),
    );
    task.start();
    await expect.poll(() => calls, { timeout: 5000 }).toBeGreaterThanOrEqual(7);
    await task.close();
    expect(failures).toEqual([
      ["pass 1", 1],
      ["pass 2", 2],
      ["pass 3", 3],
      ["pass 5", 1],
    ]);
    expect(recovered).toEqual([3, 1]);
  });

  it("a pass asked for while one runs joins it", async () => {
    let calls = 0;
    let release = () => {};
    const task = createPeriodicTask(
      () =>
        new Promise<number>((resolve) => {
          calls += 1;
          release = () => resolve(calls);
        }),
      60_000,
    );
    const first = task.run();
    const second = task.run();
    release();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(calls).toBe(1);
  });
});

describe("isLoggedFailure", () => {
  it("logs the first failure of a streak, then the 10th, 100th and 1000th", () => {
    const logged = Array.from({ length: 1000 }, (_, i) => i + 1).filter(isLoggedFailure);
    expect(logged).toEqual([1, 10, 100, 1000]);
  });
});
