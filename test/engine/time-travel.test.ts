import { describe, expect, it } from "vitest";
import {
  append,
  CheckpointNotFoundError,
  Command,
  getHistory,
  getState,
  runGraph,
  START,
  StateGraph,
  updateState,
} from "../../src/engine/index.js";
import { allCheckpoints, type Calls, chain, head, MemoryStore } from "./helpers.js";

async function finished(calls: Calls = {}) {
  const store = new MemoryStore();
  const graph = chain({}, calls);
  await runGraph(graph, store, { threadId: "t", input: { log: ["in"] } });
  const cps = await allCheckpoints(store, "t");
  const at = (step: number) => cps.find((c) => c.metadata.step === step)?.checkpoint.id as string;
  return { store, graph, at };
}

describe("docs/semantics.md §7 time travel and forks", () => {
  it("docs/semantics.md §7.1 replay from a non-head checkpoint writes a fork (step C+1, parent C) and re-runs every later task", async () => {
    const calls: Calls = {};
    const { store, graph, at } = await finished(calls);
    const c = at(1);
    const r = await runGraph(graph, store, { threadId: "t", input: null, checkpointId: c });
    expect(r.status).toBe("success");
    expect(r.values.log).toEqual(["in", "a", "b", "c"]);
    expect(calls).toEqual({ a: 1, b: 2, c: 2 });
    const fork = (await store.list({ threadId: "t", metadata: { source: "fork" } }))[0];
    expect(fork?.metadata.step).toBe(2);
    expect(fork?.parentCheckpointId).toBe(c);
    const h = await head(store, "t");
    expect(h.metadata).toMatchObject({ source: "loop", step: 4 });
    expect(
      (await store.getTuple({ threadId: "t", checkpointId: h.parentCheckpointId as string }))
        ?.parentCheckpointId,
    ).toBe(fork?.checkpoint.id);
  });

  it("docs/semantics.md §7.1 replaying before an interrupt drops the saved resume values: the interrupt fires again with a new id", async () => {
    const store = new MemoryStore();
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ask", (_s, ctx) => ({ log: [ctx.interrupt<string>("?")] }))
      .addEdge(START, "ask")
      .compile();
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    const c = (await head(store, "t")).checkpoint.id;
    await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "first" }) });
    const r = await runGraph(graph, store, { threadId: "t", input: null, checkpointId: c });
    expect(r.status).toBe("paused");
    expect(r.interrupts[0]?.id).not.toBe(r1.interrupts[0]?.id);
    const r3 = await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "second" }) });
    expect(r3.values.log).toEqual(["second"]);
  });

  it("docs/semantics.md §7.2 no fork when C is the head, or when C's source is update or fork; a final checkpoint replays as a no-op", async () => {
    const { store, graph, at } = await finished();
    const before = (await allCheckpoints(store, "t")).length;
    const final = await runGraph(graph, store, { threadId: "t", input: null, checkpointId: at(3) });
    expect(final.status).toBe("success");
    expect((await allCheckpoints(store, "t")).length).toBe(before);
    const ref = await updateState(graph, store, {
      threadId: "t",
      values: { x: 1 },
      asNode: "a",
      checkpointId: at(1),
    });
    await runGraph(graph, store, { threadId: "t", input: null });
    await runGraph(graph, store, { threadId: "t", input: null, checkpointId: ref.checkpointId });
    expect(await store.list({ threadId: "t", metadata: { source: "fork" } })).toEqual([]);
    const children = (await allCheckpoints(store, "t")).filter(
      (c) => c.parentCheckpointId === ref.checkpointId,
    );
    expect(children.length).toBe(2);
  });

  it("docs/semantics.md §7.3 replaying the step −1 input checkpoint forks at step 0 with next=[__start__] and re-runs the whole graph", async () => {
    const calls: Calls = {};
    const { store, graph, at } = await finished(calls);
    await runGraph(graph, store, { threadId: "t", input: null, checkpointId: at(-1) });
    const fork = (await store.list({ threadId: "t", metadata: { source: "fork" } }))[0];
    expect(fork?.metadata.step).toBe(0);
    const s = await getState(graph, store, { threadId: "t", checkpointId: fork?.checkpoint.id as string });
    expect(s.next).toEqual(["__start__"]);
    expect(calls).toEqual({ a: 2, b: 2, c: 2 });
    expect((await getState(graph, store, { threadId: "t" })).values.log).toEqual(["in", "a", "b", "c"]);
  });

  it("docs/semantics.md §7.4 replay with new input at C: input checkpoint with parent C at C.step+1, run from START over C's state", async () => {
    const { store, graph, at } = await finished();
    const r = await runGraph(graph, store, { threadId: "t", input: { log: ["new"] }, checkpointId: at(1) });
    expect(r.values.log).toEqual(["in", "a", "new", "a", "b", "c"]);
    const input = (await store.list({ threadId: "t", metadata: { source: "input" }, limit: 1 }))[0];
    expect(input?.parentCheckpointId).toBe(at(1));
    expect(input?.metadata.step).toBe(2);
  });

  it("docs/semantics.md §7.5 fork with edits: update at C then continue; the original branch is untouched", async () => {
    const { store, graph, at } = await finished();
    const original = await allCheckpoints(store, "t");
    const ref = await updateState(graph, store, {
      threadId: "t",
      values: { log: ["edit"] },
      checkpointId: at(1),
    });
    const forked = await head(store, "t");
    expect(forked.parentCheckpointId).toBe(at(1));
    expect(forked.metadata.source).toBe("update");
    const r = await runGraph(graph, store, { threadId: "t", input: null, checkpointId: ref.checkpointId });
    expect(r.values.log).toEqual(["in", "a", "edit", "b", "c"]);
    for (const c of original) {
      expect(await store.getTuple({ threadId: "t", checkpointId: c.checkpoint.id })).toEqual(
        original.find((o) => o.checkpoint.id === c.checkpoint.id),
      );
    }
  });

  it("docs/semantics.md §7.6 the current state is the checkpoint with the greatest id, whatever branch; docs/semantics.md §7.7 later runs need no id", async () => {
    const { store, graph, at } = await finished();
    await updateState(graph, store, { threadId: "t", values: { x: 5 }, checkpointId: at(0) });
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.values).toEqual({ log: ["in"], x: 5 });
    expect(s.next).toEqual(["a"]);
    const r = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r.values).toEqual({ log: ["in", "a", "b", "c"], x: 5 });
    const history = await getHistory(graph, store, { threadId: "t" });
    expect(history[0]?.checkpoint?.checkpointId).toBe((await head(store, "t")).checkpoint.id);
  });

  it("docs/semantics.md §7 an unknown checkpoint id is a CheckpointNotFoundError and writes nothing", async () => {
    const { store, graph } = await finished();
    const count = (await allCheckpoints(store, "t")).length;
    await expect(
      runGraph(graph, store, {
        threadId: "t",
        input: null,
        checkpointId: "1f1e5630-a0b4-65f0-8001-000000000001",
      }),
    ).rejects.toBeInstanceOf(CheckpointNotFoundError);
    await expect(
      updateState(graph, store, {
        threadId: "t",
        values: {},
        checkpointId: "1f1e5630-a0b4-65f0-8001-000000000001",
      }),
    ).rejects.toBeInstanceOf(CheckpointNotFoundError);
    expect((await allCheckpoints(store, "t")).length).toBe(count);
  });
});
