import { describe, expect, it } from "vitest";
import { Command, getState, runGraph } from "../../src/engine/index.js";
import { allCheckpoints, type Calls, chain, head, MemoryStore } from "./helpers.js";

describe("docs/semantics.md §2 static breakpoints", () => {
  it("docs/semantics.md §2.1 interrupt_before stops before the node; no checkpoint is written for the paused step", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const r = await runGraph(chain({ interruptBefore: ["b"] }, calls), store, {
      threadId: "t",
      input: { log: ["in"] },
    });
    expect(r.status).toBe("paused");
    expect(r.interrupts).toEqual([]);
    expect(r.next).toEqual(["b"]);
    expect(calls).toEqual({ a: 1 });
    const cps = await allCheckpoints(store, "t");
    expect(cps.map((c) => c.metadata.step)).toEqual([-1, 0, 1]);
    expect((await getState(chain(), store, { threadId: "t" })).next).toEqual(["b"]);
  });

  it("docs/semantics.md §2.2 interrupt_after stops after the step's loop checkpoint; next holds the successors", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const r = await runGraph(chain({ interruptAfter: ["a"] }, calls), store, { threadId: "t", input: {} });
    expect(r.status).toBe("paused");
    expect(calls).toEqual({ a: 1 });
    expect(r.values.log).toEqual(["a"]);
    const h = await head(store, "t");
    expect(h.metadata.step).toBe(1);
    expect((await getState(chain(), store, { threadId: "t" })).next).toEqual(["b"]);
  });

  it("docs/semantics.md §2.3 a non-empty run-time list replaces the compiled list for that run only", async () => {
    const store = new MemoryStore();
    const graph = chain({ interruptBefore: ["b"] });
    const r1 = await runGraph(graph, store, { threadId: "t", input: {}, interruptBefore: ["c"] });
    expect(r1.next).toEqual(["c"]);
    const r2 = await runGraph(graph, store, { threadId: "t2", input: {}, interruptBefore: [] });
    expect(r2.next).toEqual(["b"]);
    const r3 = await runGraph(graph, store, { threadId: "t3", input: {}, interruptAfter: ["a"] });
    expect(r3.next).toEqual(["b"]);
    expect((await head(store, "t3")).metadata.step).toBe(1);
  });

  it("docs/semantics.md §2.4 while paused: next=[b], tasks=[{name: b, interrupts: []}], no snapshot interrupts", async () => {
    const store = new MemoryStore();
    await runGraph(chain({ interruptBefore: ["b"] }), store, { threadId: "t", input: {} });
    const s = await getState(chain(), store, { threadId: "t" });
    expect(s.next).toEqual(["b"]);
    expect(
      s.tasks.map((t) => ({ name: t.name, interrupts: t.interrupts, error: t.error, result: t.result })),
    ).toEqual([{ name: "b", interrupts: [], error: null, result: null }]);
    expect(s.interrupts).toEqual([]);
  });

  it("docs/semantics.md §2.5 resume with null advances past the breakpoint and later breakpoints still fire", async () => {
    const store = new MemoryStore();
    const graph = chain({ interruptBefore: ["b", "c"] });
    await runGraph(graph, store, { threadId: "t", input: {} });
    const pausedAt = await head(store, "t");
    const r = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r.status).toBe("paused");
    expect(r.next).toEqual(["c"]);
    expect(r.values.log).toEqual(["a", "b"]);
    const after = (await allCheckpoints(store, "t")).find(
      (c) => c.parentCheckpointId === pausedAt.checkpoint.id,
    );
    expect(after?.checkpoint.versionsSeen.__interrupt__).toEqual(pausedAt.checkpoint.channelVersions);
    const done = await runGraph(graph, store, { threadId: "t", input: null });
    expect(done.status).toBe("success");
    expect(done.values.log).toEqual(["a", "b", "c"]);
  });

  it('docs/semantics.md §2.5 with interruptBefore "*" each resume advances exactly one node', async () => {
    const store = new MemoryStore();
    const graph = chain({ interruptBefore: "*" });
    const seen: string[][] = [];
    let r = await runGraph(graph, store, { threadId: "t", input: {} });
    seen.push(r.next);
    while (r.status === "paused" && seen.length < 10) {
      r = await runGraph(graph, store, { threadId: "t", input: null });
      seen.push(r.next);
    }
    expect(seen).toEqual([["a"], ["b"], ["c"], []]);
    expect(r.values.log).toEqual(["a", "b", "c"]);
  });

  it('docs/semantics.md §2.2 with interruptAfter "*" each run stops after exactly one node (hidden START excluded)', async () => {
    const store = new MemoryStore();
    const graph = chain({ interruptAfter: "*" });
    const logs: unknown[] = [];
    let r = await runGraph(graph, store, { threadId: "t", input: {} });
    logs.push(r.values.log);
    for (let i = 0; i < 5 && r.next.length > 0; i++) {
      r = await runGraph(graph, store, { threadId: "t", input: null });
      logs.push(r.values.log);
    }
    expect(logs).toEqual([["a"], ["a", "b"], ["a", "b", "c"]]);
  });

  it("docs/semantics.md §2.5 a Command also resumes past a breakpoint", async () => {
    const store = new MemoryStore();
    const graph = chain({ interruptBefore: ["b"] });
    await runGraph(graph, store, { threadId: "t", input: {} });
    const r = await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "ignored" }) });
    expect(r.status).toBe("success");
    expect(r.values.log).toEqual(["a", "b", "c"]);
  });

  it("docs/semantics.md §2.6 interrupt_after on the last node stops with next=[]; resuming then does nothing", async () => {
    const store = new MemoryStore();
    const graph = chain({ interruptAfter: ["c"] });
    const r = await runGraph(graph, store, { threadId: "t", input: {} });
    expect(r.status).toBe("paused");
    expect(r.next).toEqual([]);
    expect((await getState(graph, store, { threadId: "t" })).next).toEqual([]);
    const count = (await allCheckpoints(store, "t")).length;
    const again = await runGraph(graph, store, { threadId: "t", input: null });
    expect(again.status).toBe("success");
    expect((await allCheckpoints(store, "t")).length).toBe(count);
  });

  it("docs/semantics.md §2.7 input null or Command(resume) with nothing pending returns the current values and writes no checkpoint", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: {} });
    const count = (await allCheckpoints(store, "t")).length;
    const r1 = await runGraph(chain(), store, { threadId: "t", input: null });
    const r2 = await runGraph(chain(), store, { threadId: "t", command: new Command({ resume: 1 }) });
    expect(r1.values.log).toEqual(["a", "b", "c"]);
    expect(r2.values.log).toEqual(["a", "b", "c"]);
    expect(r1.status).toBe("success");
    expect((await allCheckpoints(store, "t")).length).toBe(count);
    const empty = await runGraph(chain(), store, { threadId: "fresh", input: null });
    expect(empty).toMatchObject({ status: "success", values: {}, checkpoint: null });
  });

  it("docs/semantics.md §2.8 new input while paused restarts from START on the same thread and accumulates state", async () => {
    const store = new MemoryStore();
    const graph = chain({ interruptBefore: ["b"] });
    await runGraph(graph, store, { threadId: "t", input: { log: ["in1"] } });
    const r = await runGraph(graph, store, { threadId: "t", input: { log: ["in2"] } });
    expect(r.status).toBe("paused");
    expect(r.next).toEqual(["b"]);
    expect(r.values.log).toEqual(["in1", "a", "in2", "a"]);
    const input = (await store.list({ threadId: "t", metadata: { source: "input" }, limit: 1 }))[0];
    expect(input?.metadata.step).toBe(2);
  });
});
