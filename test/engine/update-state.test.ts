import { describe, expect, it } from "vitest";
import {
  AmbiguousUpdateError,
  append,
  bulkUpdateState,
  Command,
  getHistory,
  getState,
  InvalidUpdateError,
  lastValue,
  NodeNotFoundError,
  runGraph,
  START,
  StateGraph,
  updateState,
} from "../../src/engine/index.js";
import { allCheckpoints, type Calls, chain, head, MemoryStore } from "./helpers.js";

async function pausedBeforeB(calls: Calls = {}) {
  const store = new MemoryStore();
  const graph = chain({ interruptBefore: ["b"] }, calls);
  await runGraph(graph, store, { threadId: "t", input: { log: ["in"] } });
  return { store, graph };
}

describe("docs/semantics.md §5 updateState", () => {
  it("docs/semantics.md §5.1 writes one update checkpoint at base step + 1 whose parent is the base; it becomes the head", async () => {
    const { store, graph } = await pausedBeforeB();
    const base = await head(store, "t");
    const ref = await updateState(graph, store, {
      threadId: "t",
      values: { x: 7 },
      metadata: { user_id: "u" },
    });
    const h = await head(store, "t");
    expect(ref).toEqual({ threadId: "t", checkpointNs: "", checkpointId: h.checkpoint.id });
    expect(h.metadata).toEqual({ source: "update", step: base.metadata.step + 1, parents: {}, user_id: "u" });
    expect(h.parentCheckpointId).toBe(base.checkpoint.id);
    expect(h.checkpoint.id > base.checkpoint.id).toBe(true);
    expect((await getState(graph, store, { threadId: "t" })).values).toEqual({ log: ["in", "a"], x: 7 });
  });

  it("docs/semantics.md §5.2 paused before b: as a (default) keeps next=[b]; as b gives next=[c] and b is skipped on resume", async () => {
    const calls: Calls = {};
    const { store, graph } = await pausedBeforeB(calls);
    await updateState(graph, store, { threadId: "t", values: { log: ["edit"] } });
    expect((await getState(graph, store, { threadId: "t" })).next).toEqual(["b"]);
    await updateState(graph, store, { threadId: "t", values: { log: ["as-b"] }, asNode: "b" });
    expect((await getState(graph, store, { threadId: "t" })).next).toEqual(["c"]);
    const r = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r.values.log).toEqual(["in", "a", "edit", "as-b", "c"]);
    expect(calls.b).toBeUndefined();
  });

  it("docs/semantics.md §5.2 as the last node gives next=[]; as __start__ gives the entry nodes and goes through the reducers", async () => {
    const { store, graph } = await pausedBeforeB();
    await updateState(graph, store, { threadId: "t", values: null, asNode: "c" });
    expect((await getState(graph, store, { threadId: "t" })).next).toEqual([]);
    await updateState(graph, store, { threadId: "t", values: { log: ["again"] }, asNode: "__start__" });
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.next).toEqual(["a"]);
    expect(s.values.log).toEqual(["in", "a", "again"]);
  });

  it("docs/semantics.md §5.3a a one-node graph defaults to that node", async () => {
    const graph = new StateGraph({ t: lastValue<string>() })
      .addNode("only", () => undefined)
      .addEdge(START, "only")
      .compile();
    const store = new MemoryStore();
    await updateState(graph, store, { threadId: "t", values: { t: "v" } });
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.next).toEqual([]);
    expect(s.values).toEqual({ t: "v" });
  });

  it("docs/semantics.md §5.3b nothing run yet → __start__: on a fresh thread step 0, no parent, next = entry nodes", async () => {
    const store = new MemoryStore();
    await updateState(chain(), store, { threadId: "t", values: { log: ["seed"] } });
    const h = await head(store, "t");
    expect(h.metadata).toMatchObject({ source: "update", step: 0 });
    expect(h.parentCheckpointId).toBeNull();
    const s = await getState(chain(), store, { threadId: "t" });
    expect(s.next).toEqual(["a"]);
    const r = await runGraph(chain(), store, { threadId: "t", input: null });
    expect(r.values.log).toEqual(["seed", "a", "b", "c"]);
  });

  it("docs/semantics.md §5.3c the default is the node that ran last; docs/semantics.md §5.3d two nodes of the same step → AmbiguousUpdateError", async () => {
    const { store, graph } = await pausedBeforeB();
    await updateState(graph, store, { threadId: "t", values: { x: 1 } });
    expect((await getState(graph, store, { threadId: "t" })).next).toEqual(["b"]);
    const par = new StateGraph({ log: append<string>() })
      .addNode("p", () => ({ log: ["p"] }))
      .addNode("q", () => ({ log: ["q"] }))
      .addNode("r", () => ({ log: ["r"] }))
      .addEdge(START, "p")
      .addEdge(START, "q")
      .addEdge("p", "r")
      .compile({ interruptBefore: ["r"] });
    await runGraph(par, store, { threadId: "p", input: {} });
    const attempt = updateState(par, store, { threadId: "p", values: { log: ["x"] } });
    await expect(attempt).rejects.toBeInstanceOf(AmbiguousUpdateError);
    await expect(attempt).rejects.toThrow("Ambiguous update, specify as_node");
  });

  it("docs/semantics.md §5.3 an unknown as_node → NodeNotFoundError 'Node X does not exist'", async () => {
    const { store, graph } = await pausedBeforeB();
    await expect(updateState(graph, store, { threadId: "t", values: {}, asNode: "zz" })).rejects.toThrow(
      NodeNotFoundError,
    );
    await expect(updateState(graph, store, { threadId: "t", values: {}, asNode: "zz" })).rejects.toThrow(
      "Node zz does not exist",
    );
  });

  it("docs/semantics.md §5.4 __input__ behaves like new input: source input, step + 1 (−1 on a fresh thread), next=[__start__]", async () => {
    const { store, graph } = await pausedBeforeB();
    const base = await head(store, "t");
    await updateState(graph, store, { threadId: "t", values: { log: ["in2"] }, asNode: "__input__" });
    const h = await head(store, "t");
    expect(h.metadata).toMatchObject({ source: "input", step: base.metadata.step + 1 });
    expect((await getState(graph, store, { threadId: "t" })).next).toEqual(["__start__"]);
    const fresh = new MemoryStore();
    await updateState(graph, fresh, { threadId: "f", values: { log: ["x"] }, asNode: "__input__" });
    expect((await head(fresh, "f")).metadata).toMatchObject({ source: "input", step: -1 });
    const r = await runGraph(chain(), fresh, { threadId: "f", input: null });
    expect(r.values.log).toEqual(["x", "a", "b", "c"]);
  });

  it("docs/semantics.md §5.4 __end__ with values null applies finished tasks' writes and clears pending tasks", async () => {
    const store = new MemoryStore();
    const graph = new StateGraph({ log: append<string>() })
      .addNode("x", (_s, ctx) => ({ log: [ctx.interrupt<string>("?")] }))
      .addNode("z", () => ({ log: ["z"] }))
      .addEdge(START, "x")
      .addEdge(START, "z")
      .compile();
    await runGraph(graph, store, { threadId: "t", input: {} });
    await updateState(graph, store, { threadId: "t", values: null, asNode: "__end__" });
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.next).toEqual([]);
    expect(s.values.log).toEqual(["z"]);
    expect(s.metadata?.source).toBe("update");
    await expect(
      updateState(graph, store, { threadId: "t", values: { log: [] }, asNode: "__end__" }),
    ).rejects.toBeInstanceOf(InvalidUpdateError);
  });

  it("docs/semantics.md §5.4 __copy__ writes a fork sibling of the base (parent = base's parent), then later supersteps apply on top", async () => {
    const { store, graph } = await pausedBeforeB();
    const base = await head(store, "t");
    await bulkUpdateState(graph, store, {
      threadId: "t",
      supersteps: [[{ asNode: "__copy__" }], [{ values: { x: 9 }, asNode: "a" }]],
    });
    const cps = await allCheckpoints(store, "t");
    const copy = cps[cps.length - 2];
    const top = cps[cps.length - 1];
    expect(copy?.metadata).toMatchObject({ source: "fork", step: base.metadata.step + 1 });
    expect(copy?.parentCheckpointId).toBe(base.parentCheckpointId);
    expect(copy?.checkpoint.channelValues).toEqual(base.checkpoint.channelValues);
    expect(top?.parentCheckpointId).toBe(copy?.checkpoint.id);
    expect(top?.metadata.source).toBe("update");
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.values).toEqual({ log: ["in", "a"], x: 9 });
    expect(s.next).toEqual(["b"]);
  });

  it("docs/semantics.md §5.5 an update while an interrupt is pending removes it from the head; input null interrupts again with a new id", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = new StateGraph({ log: append<string>(), x: lastValue<number>() })
      .addNode("ask", (_s, ctx) => {
        calls.ask = (calls.ask ?? 0) + 1;
        return { log: [ctx.interrupt<string>("?")] };
      })
      .addNode("after", () => ({ log: ["after"] }))
      .addEdge(START, "ask")
      .addEdge("ask", "after")
      .compile();
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    await updateState(graph, store, { threadId: "t", values: { x: 1 } });
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.next).toEqual(["ask"]);
    expect(s.tasks[0]?.interrupts).toEqual([]);
    const r2 = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r2.status).toBe("paused");
    expect(r2.interrupts[0]?.id).not.toBe(r1.interrupts[0]?.id);
    await updateState(graph, store, { threadId: "t", values: { log: ["skipped"] }, asNode: "ask" });
    const r3 = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r3.status).toBe("success");
    expect(r3.values.log).toEqual(["skipped", "after"]);
    expect(calls.ask).toBe(2);
  });

  it("docs/semantics.md §5.6 the update's writes are also saved on the base under the prepared task's id (history shows the result)", async () => {
    const { store, graph } = await pausedBeforeB();
    const base = await head(store, "t");
    await updateState(graph, store, { threadId: "t", values: { log: ["by-b"] }, asNode: "b" });
    const history = await getHistory(graph, store, { threadId: "t" });
    const baseSnap = history.find((h) => h.checkpoint?.checkpointId === base.checkpoint.id);
    expect(baseSnap?.tasks[0]?.name).toBe("b");
    expect(baseSnap?.tasks[0]?.result).toEqual({ log: ["by-b"] });
  });

  it("docs/semantics.md §5.7 bulk update: one checkpoint per superstep; multi-update supersteps need as_node", async () => {
    const { store, graph } = await pausedBeforeB();
    const count = (await allCheckpoints(store, "t")).length;
    await bulkUpdateState(graph, store, {
      threadId: "t",
      supersteps: [
        [{ values: { log: ["s1"] }, asNode: "a" }],
        [
          { values: { log: ["s2a"] }, asNode: "a" },
          { values: { x: 2 }, asNode: "b" },
        ],
      ],
    });
    expect((await allCheckpoints(store, "t")).length).toBe(count + 2);
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.values).toEqual({ log: ["in", "a", "s1", "s2a"], x: 2 });
    expect(s.next.sort()).toEqual(["b", "c"]);
    await expect(
      bulkUpdateState(graph, store, {
        threadId: "t",
        supersteps: [[{ values: {} }, { values: {}, asNode: "a" }]],
      }),
    ).rejects.toThrow(/needs as_node/);
  });

  it("docs/semantics.md §5.4 __copy__ needs an existing checkpoint; an empty superstep list is refused", async () => {
    const store = new MemoryStore();
    await expect(updateState(chain(), store, { threadId: "t", asNode: "__copy__" })).rejects.toBeInstanceOf(
      InvalidUpdateError,
    );
    await expect(bulkUpdateState(chain(), store, { threadId: "t", supersteps: [] })).rejects.toBeInstanceOf(
      InvalidUpdateError,
    );
    expect(await store.list({ threadId: "t" })).toEqual([]);
  });

  it("docs/semantics.md §5.7 a bulk update refused in a later superstep writes nothing at all", async () => {
    const { store, graph } = await pausedBeforeB();
    const before = await allCheckpoints(store, "t");
    await expect(
      bulkUpdateState(graph, store, {
        threadId: "t",
        supersteps: [[{ values: { log: ["ok"] }, asNode: "b" }], [{ values: { nope: 1 }, asNode: "c" }]],
      }),
    ).rejects.toBeInstanceOf(InvalidUpdateError);
    expect(await allCheckpoints(store, "t")).toEqual(before);
  });

  it("docs/semantics.md §5 a Command-free update with a last-value conflict or unknown key is an InvalidUpdateError", async () => {
    const { store, graph } = await pausedBeforeB();
    await expect(
      updateState(graph, store, { threadId: "t", values: { nope: 1 }, asNode: "a" }),
    ).rejects.toBeInstanceOf(InvalidUpdateError);
    await expect(
      bulkUpdateState(graph, store, {
        threadId: "t",
        supersteps: [
          [
            { values: { x: 1 }, asNode: "a" },
            { values: { x: 2 }, asNode: "b" },
          ],
        ],
      }),
    ).rejects.toThrow(/At key 'x'/);
    void Command;
  });
});
