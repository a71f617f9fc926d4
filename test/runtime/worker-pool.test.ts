/**
 * The worker pool's stop: a claim answered after `stop()` is given back to the queue before `stop()` resolves,
 * so a graceful shutdown never leaves a freshly claimed run leased to a process that is going away.
 */
import { expect, it } from "vitest";
import type { RuntimeDeps } from "../../src/runtime/types.js";
import { createWorkerPool } from "../../src/runtime/workers.js";
import type { RunRecord } from "../../src/store/records.js";

it("stop() waits for the claim in flight and releases the run it returns", async () => {
  const events: string[] = [];
  let answer: (run: RunRecord | null) => void = () => undefined;
  const claimed = { runId: "r1", threadId: "t1", attempt: 1 } as RunRecord;
  const queue = {
    claimPending: () => {
      events.push("claim");
      return new Promise<RunRecord | null>((resolve) => {
        answer = resolve;
      });
    },
    claimExpired: async () => null,
    claimOrphaned: async () => null,
    release: async (runId: string, holder: { owner: string; attempt: number }) => {
      await new Promise((r) => setTimeout(r, 10));
      events.push(`release ${runId} ${holder.owner} ${holder.attempt}`);
    },
  } as unknown as RuntimeDeps["queue"];
  const executed: string[] = [];
  const pool = createWorkerPool(
    { queue, settings: { owner: "w1", workers: 2, leaseMs: 30_000, maxAttempts: 3, pollMs: 60_000 } },
    async (run) => {
      executed.push(run.runId);
    },
  );
  pool.start();
  expect(events).toEqual(["claim"]);
  const stopped = pool.stop().then(() => events.push("stopped"));
  answer(claimed);
  await stopped;
  expect(events).toEqual(["claim", "release r1 w1 1", "stopped"]);
  expect(executed).toEqual([]);
});

it("stop() with no claim in flight resolves at once and claims nothing more", async () => {
  let claims = 0;
  const queue = {
    claimPending: async () => {
      claims++;
      return null;
    },
    claimExpired: async () => null,
    claimOrphaned: async () => null,
    release: async () => undefined,
  } as unknown as RuntimeDeps["queue"];
  const pool = createWorkerPool(
    { queue, settings: { owner: "w1", workers: 1, leaseMs: 30_000, maxAttempts: 3, pollMs: 5 } },
    async () => undefined,
  );
  pool.start();
  await pool.stop();
  const before = claims;
  pool.nudge();
  await new Promise((r) => setTimeout(r, 30));
  expect(claims).toBe(before);
});
