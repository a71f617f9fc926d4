import { afterEach, describe, expect, it, vi } from "vitest";
import { checkpointIdTicks } from "../../src/engine/ids.js";
import { interruptId, newCheckpointId, runGraph, updateState } from "../../src/engine/index.js";
import { allCheckpoints, chain, head, MemoryStore } from "./helpers.js";

const V6 = /^[0-9a-f]{8}-[0-9a-f]{4}-6[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("docs/semantics.md §8 checkpoint ids", () => {
  it("docs/semantics.md §8.1 ids are UUID v6 whose timestamp is the creation time; string order is time order", () => {
    const before = Date.now();
    const id = newCheckpointId(0);
    expect(id).toMatch(V6);
    const ms = Number((checkpointIdTicks(id) as bigint) / 10_000n - 12_219_292_800_000n);
    expect(ms).toBeGreaterThanOrEqual(before - 1);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
    const later = newCheckpointId(0);
    expect(later > id).toBe(true);
  });

  it("docs/semantics.md §8.2 the clock sequence carries the step: 8000 for step 0, 8001 for 1, bfff for −1", () => {
    expect(newCheckpointId(0).split("-")[3]).toBe("8000");
    expect(newCheckpointId(1).split("-")[3]).toBe("8001");
    expect(newCheckpointId(-1).split("-")[3]).toBe("bfff");
  });

  it("docs/semantics.md §8.3 ids generated in one process are strictly increasing even within one millisecond", () => {
    vi.spyOn(Date, "now").mockReturnValue(1_800_000_000_000);
    const ids = Array.from({ length: 1000 }, (_, i) => newCheckpointId(i % 3));
    for (let i = 1; i < ids.length; i++) expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
  });

  it("docs/semantics.md §8.4 a new id sorts after its parent even when the clock went back or another process wrote the parent", () => {
    const future = newCheckpointId(0);
    vi.spyOn(Date, "now").mockReturnValue(Date.now() - 3_600_000);
    const child = newCheckpointId(1, [future]);
    expect(child > future).toBe(true);
    const foreign = "2f000000-0000-6000-8000-000000000000";
    expect(newCheckpointId(2, [foreign]) > foreign).toBe(true);
  });

  it("docs/semantics.md §8.4 with the clock going back, a fork from an old checkpoint still becomes the head", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: {} });
    const cps = await allCheckpoints(store, "t");
    const oldHead = await head(store, "t");
    vi.spyOn(Date, "now").mockReturnValue(Date.now() - 86_400_000);
    const ref = await updateState(chain(), store, {
      threadId: "t",
      values: { x: 1 },
      checkpointId: cps[1]?.checkpoint.id as string,
    });
    expect(ref.checkpointId > oldHead.checkpoint.id).toBe(true);
    expect((await head(store, "t")).checkpoint.id).toBe(ref.checkpointId);
    await runGraph(chain(), store, { threadId: "t", input: null });
    const after = await allCheckpoints(store, "t");
    for (const c of after) {
      if (c.parentCheckpointId) expect(c.checkpoint.id > c.parentCheckpointId).toBe(true);
    }
  });

  it("docs/semantics.md §8.5 task ids and interrupt ids are deterministic hashes, not time-based", async () => {
    expect(await interruptId("node", "task")).toBe(await interruptId("node", "task"));
    expect(await interruptId("node", "task")).not.toBe(await interruptId("node", "task2"));
  });
});
