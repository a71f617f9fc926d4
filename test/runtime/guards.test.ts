/**
 * Write guards of a run (`src/runtime/guards.ts`): once the worker knows it lost the lease, its checkpoint writes
 * are refused (reads still pass), and so are they after a `put` lost a race (`conflicted()`); the write that ends a
 * run is retried through transient failures.
 */
import { describe, expect, it } from "vitest";
import { CheckpointConflictError } from "../../src/engine/index.js";
import { fencedCheckpoints, LeaseLostError, retry } from "../../src/runtime/guards.js";
import { MemoryStore } from "../../src/store/memory.js";
import { checkpointInput } from "../store/mongo-fixtures.js";

describe("fencedCheckpoints", () => {
  it("passes writes while the lease is held and refuses them once it is lost", async () => {
    const store = new MemoryStore();
    let lost = false;
    const fenced = fencedCheckpoints(store, () => lost);
    const first = checkpointInput("t");
    await fenced.put(first);
    lost = true;
    await expect(fenced.put(checkpointInput("t", { parent: first.checkpoint.id }))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(
      fenced.putWrites({ threadId: "t", checkpointNs: "", checkpointId: first.checkpoint.id }, []),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect((await fenced.getTuple({ threadId: "t" }))?.checkpoint.id).toBe(first.checkpoint.id);
    expect(await store.list({ threadId: "t" })).toHaveLength(1);
  });

  it("after a put lost a race (CheckpointConflictError), refuses every later write", async () => {
    const store = new MemoryStore();
    const fenced = fencedCheckpoints(store, () => false);
    const first = checkpointInput("t");
    await store.put(first);
    expect(fenced.conflicted()).toBe(false);
    await expect(fenced.put(first)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(fenced.conflicted()).toBe(true);
    await expect(fenced.put(checkpointInput("t", { parent: first.checkpoint.id }))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(
      fenced.putWrites({ threadId: "t", checkpointNs: "", checkpointId: first.checkpoint.id }, []),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.list({ threadId: "t" })).toHaveLength(1);
  });
});

describe("retry", () => {
  it("retries until the call succeeds", async () => {
    let calls = 0;
    const out = await retry(async () => {
      calls++;
      if (calls < 3) throw new Error("transient");
      return "done";
    });
    expect(out).toBe("done");
    expect(calls).toBe(3);
  });
});
