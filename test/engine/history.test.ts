import { describe, expect, it } from "vitest";
import { getHistory, runGraph, updateState } from "../../src/engine/index.js";
import { chain, MemoryStore } from "./helpers.js";

describe("docs/semantics.md §6 history", () => {
  it("docs/semantics.md §6.1 lists checkpoints newest first by id, as snapshots without applying task writes", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: { log: ["in"] } });
    const h = await getHistory(chain(), store, { threadId: "t" });
    expect(h.map((s) => s.metadata?.step)).toEqual([3, 2, 1, 0, -1]);
    const ids = h.map((s) => s.checkpoint?.checkpointId as string);
    expect([...ids].sort().reverse()).toEqual(ids);
    const s0 = h.find((s) => s.metadata?.step === 0);
    expect(s0?.values.log).toEqual(["in"]);
    expect(s0?.next).toEqual(["a"]);
    expect(s0?.tasks[0]?.result).toEqual({ log: ["a"] });
    expect(await getHistory(chain(), store, { threadId: "none" })).toEqual([]);
  });

  it("docs/semantics.md §6.2 limit caps the count, before keeps ids strictly less, metadata filters by exact equality (AND)", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: {}, metadata: { run_id: "r1" } });
    await updateState(chain(), store, { threadId: "t", values: { x: 1 }, metadata: { run_id: "r2" } });
    const all = await getHistory(chain(), store, { threadId: "t" });
    expect((await getHistory(chain(), store, { threadId: "t", limit: 2 })).map((s) => s.checkpoint)).toEqual(
      all.slice(0, 2).map((s) => s.checkpoint),
    );
    const pivot = all[2]?.checkpoint?.checkpointId as string;
    const before = await getHistory(chain(), store, { threadId: "t", before: pivot });
    expect(before.map((s) => s.checkpoint)).toEqual(all.slice(3).map((s) => s.checkpoint));
    expect(
      (await getHistory(chain(), store, { threadId: "t", metadata: { source: "update" } })).map(
        (s) => s.metadata?.run_id,
      ),
    ).toEqual(["r2"]);
    expect((await getHistory(chain(), store, { threadId: "t", metadata: { step: 1 } })).length).toBe(1);
    expect(
      (await getHistory(chain(), store, { threadId: "t", metadata: { source: "loop", run_id: "r1" } }))
        .length,
    ).toBe(4);
    expect(
      (await getHistory(chain(), store, { threadId: "t", metadata: { source: "loop", run_id: "r2" } }))
        .length,
    ).toBe(0);
  });

  it("docs/semantics.md §6.3 after forks, history contains every branch interleaved by id", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: {} });
    const original = await getHistory(chain(), store, { threadId: "t" });
    const s1 = original.find((s) => s.metadata?.step === 1)?.checkpoint?.checkpointId as string;
    await runGraph(chain(), store, { threadId: "t", input: null, checkpointId: s1 });
    await updateState(chain(), store, { threadId: "t", values: { x: 2 }, checkpointId: s1 });
    await runGraph(chain(), store, { threadId: "t", input: null });
    const h = await getHistory(chain(), store, { threadId: "t" });
    expect(h.map((s) => `${s.metadata?.source}${s.metadata?.step}`)).toEqual([
      "loop4",
      "loop3",
      "update2",
      "loop4",
      "loop3",
      "fork2",
      "loop3",
      "loop2",
      "loop1",
      "loop0",
      "input-1",
    ]);
    const byId = new Map(h.map((s) => [s.checkpoint?.checkpointId, s]));
    const walk = (id: string | undefined): string[] => {
      const s = byId.get(id);
      return s ? [`${s.metadata?.source}${s.metadata?.step}`, ...walk(s.parentCheckpoint?.checkpointId)] : [];
    };
    expect(walk(h[0]?.checkpoint?.checkpointId)).toEqual([
      "loop4",
      "loop3",
      "update2",
      "loop1",
      "loop0",
      "input-1",
    ]);
    expect(walk(h[3]?.checkpoint?.checkpointId)).toEqual([
      "loop4",
      "loop3",
      "fork2",
      "loop1",
      "loop0",
      "input-1",
    ]);
  });
});
