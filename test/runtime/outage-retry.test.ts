/**
 * The run's outage retry (src/runtime/outage-retry.ts): transient failures are retried while the lease holds as
 * far as the process knows; other errors pass at once; once the lease lapses the execution gives up with
 * `LeaseLostError` (the run then goes back to the queue).
 */
import { describe, expect, it } from "vitest";
import { LeaseLostError } from "../../src/runtime/guards.js";
import { createOutageRetry } from "../../src/runtime/outage-retry.js";

class Transient extends Error {}

function policy(leaseMs: number) {
  const state = { lapsed: 0, lost: false, retries: 0 };
  const expiresAt = Date.now() + leaseMs;
  const retrying = createOutageRetry({
    isTransient: (e) => e instanceof Transient,
    leaseExpiresAt: () => expiresAt,
    marginMs: 50,
    firstDelayMs: 10,
    maxDelayMs: 40,
    onLapse: () => {
      state.lapsed++;
      state.lost = true;
    },
    lost: () => state.lost,
    onRetry: () => {
      state.retries++;
    },
  });
  return { retrying, state };
}

describe("createOutageRetry", () => {
  it("retries transient failures until the call succeeds", async () => {
    const { retrying, state } = policy(5000);
    let calls = 0;
    const out = await retrying(async () => {
      calls++;
      if (calls < 4) throw new Transient("away");
      return "done";
    });
    expect(out).toBe("done");
    expect(calls).toBe(4);
    expect(state.retries).toBe(3);
    expect(state.lapsed).toBe(0);
  });

  it("passes any other error at once", async () => {
    const { retrying } = policy(5000);
    let calls = 0;
    const error = new Error("graph bug");
    await expect(
      retrying(async () => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it("gives up with LeaseLostError once the lease lapses, then refuses without calling", async () => {
    const { retrying, state } = policy(300);
    const started = Date.now();
    const error = await retrying(async () => {
      throw new Transient("still away");
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as Error).cause).toBeInstanceOf(Transient);
    expect(state.lapsed).toBe(1);
    // Stopped before the lease's end less the margin, not long after.
    expect(Date.now() - started).toBeLessThan(600);
    let calls = 0;
    await expect(
      retrying(async () => {
        calls++;
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(calls).toBe(0);
  });
});
