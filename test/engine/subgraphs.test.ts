import { xxhash128 } from "hash-wasm";
import { describe, expect, it } from "vitest";
import {
  append,
  Command,
  type CompileOptions,
  getHistory,
  getState,
  lastValue,
  type RunEvent,
  runGraph,
  START,
  StateGraph,
  updateState,
} from "../../src/engine/index.js";
import { allCheckpoints, type Calls, MemoryStore } from "./helpers.js";

/** Subgraph over {topic, joke, steps}: prep → write (which may ask for approval). */
function subgraph(calls: Calls, ask: boolean, options: CompileOptions = {}) {
  return new StateGraph({ topic: lastValue<string>(), joke: lastValue<string>(), steps: append<string>() })
    .addNode("prep", () => {
      calls.prep = (calls.prep ?? 0) + 1;
      return { steps: ["prep"] };
    })
    .addNode("write", (s, ctx) => {
      calls.write = (calls.write ?? 0) + 1;
      const ok = ask ? ctx.interrupt<string>({ approve: s.topic ?? null }) : "yes";
      return { joke: `${ok}: a joke about ${s.topic}` };
    })
    .addEdge(START, "prep")
    .addEdge("prep", "write")
    .compile(options);
}

/** Parent over {topic, joke, log}: pick → sub → done. */
function parent(calls: Calls, ask = false, options: CompileOptions = {}) {
  return new StateGraph({ topic: lastValue<string>(), joke: lastValue<string>(), log: append<string>() })
    .addNode("pick", () => ({ topic: "cats", log: ["pick"] }))
    .addNode("sub", subgraph(calls, ask, options))
    .addNode("done", () => ({ log: ["done"] }))
    .addEdge(START, "pick")
    .addEdge("pick", "sub")
    .addEdge("sub", "done")
    .compile();
}

describe("subgraphs (checkpoint namespaces)", () => {
  it("a compiled graph used as a node runs with the shared keys and returns its values to the parent", async () => {
    const store = new MemoryStore();
    const r = await runGraph(parent({}), store, { threadId: "t", input: {} });
    expect(r.status).toBe("success");
    expect(r.values).toEqual({ topic: "cats", joke: "yes: a joke about cats", log: ["pick", "done"] });
  });

  it("the subgraph checkpoints live in namespace '<node>:<task_id>' with parents {'': parent checkpoint}", async () => {
    const store = new MemoryStore();
    const graph = parent({});
    await runGraph(graph, store, { threadId: "t", input: {} });
    const root = await allCheckpoints(store, "t");
    const stepWithSub = root.find((c) => c.metadata.step === 1);
    const subTask = (
      await getState(graph, store, { threadId: "t", checkpointId: stepWithSub?.checkpoint.id as string })
    ).tasks[0];
    expect(subTask?.name).toBe("sub");
    expect(subTask?.checkpoint).toEqual({ threadId: "t", checkpointNs: `sub:${subTask?.id}` });
    const ns = subTask?.checkpoint?.checkpointNs as string;
    const nested = (await store.list({ threadId: "t", checkpointNs: ns })).reverse();
    expect(nested.map((c) => [c.metadata.source, c.metadata.step])).toEqual([
      ["input", -1],
      ["loop", 0],
      ["loop", 1],
      ["loop", 2],
    ]);
    for (const c of nested) expect(c.metadata.parents).toEqual({ "": stepWithSub?.checkpoint.id });
    const history = await getHistory(graph, store, { threadId: "t", checkpointNs: ns });
    expect(history[0]?.values).toEqual({ topic: "cats", joke: "yes: a joke about cats", steps: ["prep"] });
  });

  it("an interrupt inside a subgraph pauses the parent; its id hashes the nested namespace; resume continues inside", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = parent(calls, true);
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    expect(r1.status).toBe("paused");
    expect(r1.next).toEqual(["sub"]);
    const state = await getState(graph, store, { threadId: "t" });
    const subNs = state.tasks[0]?.checkpoint?.checkpointNs as string;
    const inner = await getState(graph, store, { threadId: "t", checkpointNs: subNs });
    expect(inner.next).toEqual(["write"]);
    const innerTask = inner.tasks[0];
    expect(r1.interrupts).toEqual([
      {
        id: await xxhash128(`${subNs}|write:${innerTask?.id}`),
        value: { approve: "cats" },
        ns: [subNs, `write:${innerTask?.id}`],
        when: "during",
        resumable: true,
      },
    ]);
    expect(state.interrupts).toEqual(r1.interrupts);
    const withSub = await getState(graph, store, { threadId: "t", subgraphs: true });
    expect(withSub.tasks[0]?.state?.next).toEqual(["write"]);
    expect(withSub.tasks[0]?.state?.checkpoint?.checkpointNs).toBe(subNs);
    expect(state.tasks[0]?.state).toBeUndefined();
    const r2 = await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "ha" }) });
    expect(r2.status).toBe("success");
    expect(r2.values.joke).toBe("ha: a joke about cats");
    expect(r2.values.log).toEqual(["pick", "done"]);
    expect(calls).toEqual({ prep: 1, write: 2 });
  });

  it("a subgraph interrupt resumes through a map keyed by its id", async () => {
    const store = new MemoryStore();
    const graph = parent({}, true);
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    const id = r1.interrupts[0]?.id as string;
    const r2 = await runGraph(graph, store, {
      threadId: "t",
      command: new Command({ resume: { [id]: "mapped" } }),
    });
    expect(r2.values.joke).toBe("mapped: a joke about cats");
  });

  it("a static breakpoint inside a subgraph pauses the parent with no interrupt objects; input null resumes", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = parent(calls, false, { interruptBefore: ["write"] });
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    expect(r1.status).toBe("paused");
    expect(r1.interrupts).toEqual([]);
    expect(r1.next).toEqual(["sub"]);
    const r2 = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r2.status).toBe("success");
    expect(r2.values.joke).toBe("yes: a joke about cats");
    expect(calls).toEqual({ prep: 1, write: 1 });
  });

  it("replaying the parent from before the subgraph runs it again in a new namespace", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = parent(calls);
    await runGraph(graph, store, { threadId: "t", input: {} });
    const before = (await allCheckpoints(store, "t")).find((c) => c.metadata.step === 1);
    await runGraph(graph, store, {
      threadId: "t",
      input: null,
      checkpointId: before?.checkpoint.id as string,
    });
    expect(calls).toEqual({ prep: 2, write: 2 });
    const history = await getHistory(graph, store, { threadId: "t" });
    const namespaces = new Set(
      history.flatMap((h) => h.tasks.map((t) => t.checkpoint?.checkpointNs).filter(Boolean)),
    );
    expect(namespaces.size).toBe(2);
  });

  it("updateState in a paused subgraph's namespace changes what the subgraph resumes with", async () => {
    const store = new MemoryStore();
    const graph = parent({}, false, { interruptBefore: ["write"] });
    await runGraph(graph, store, { threadId: "t", input: {} });
    const subNs = (await getState(graph, store, { threadId: "t" })).tasks[0]?.checkpoint
      ?.checkpointNs as string;
    await updateState(graph, store, { threadId: "t", checkpointNs: subNs, values: { topic: "dogs" } });
    expect((await getState(graph, store, { threadId: "t", checkpointNs: subNs })).next).toEqual(["write"]);
    const r = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r.values).toMatchObject({ topic: "dogs", joke: "yes: a joke about dogs" });
  });

  it("with subgraphs: true the subgraph's events are emitted too, tagged with its namespace", async () => {
    const store = new MemoryStore();
    const events: RunEvent[] = [];
    await runGraph(parent({}), store, {
      threadId: "t",
      input: {},
      onEvent: (e) => events.push(e),
      streamMode: ["updates"],
      subgraphs: true,
    });
    const subNs = (await getHistory(parent({}), store, { threadId: "t" }))
      .flatMap((h) => h.tasks)
      .find((t) => t.checkpoint)?.checkpoint?.checkpointNs;
    expect(events).toEqual([
      { mode: "updates", data: { pick: { topic: "cats", log: ["pick"] } } },
      { mode: "updates", data: { prep: { steps: ["prep"] } }, ns: subNs },
      { mode: "updates", data: { write: { joke: "yes: a joke about cats" } }, ns: subNs },
      { mode: "updates", data: { sub: { topic: "cats", joke: "yes: a joke about cats" } } },
      { mode: "updates", data: { done: { log: ["done"] } } },
    ]);
    const quiet: RunEvent[] = [];
    await runGraph(parent({}), store, {
      threadId: "t2",
      input: {},
      onEvent: (e) => quiet.push(e),
      streamMode: ["updates"],
    });
    expect(quiet.every((e) => e.ns === undefined)).toBe(true);
    expect(quiet.length).toBe(3);
  });

  it("two levels of subgraphs: interrupt ids and ns cover every level, resume reaches the innermost node", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const top = new StateGraph({
      topic: lastValue<string>(),
      joke: lastValue<string>(),
      log: append<string>(),
    })
      .addNode("outer", parent(calls, true))
      .addEdge(START, "outer")
      .compile();
    const r1 = await runGraph(top, store, { threadId: "t", input: {} });
    expect(r1.status).toBe("paused");
    const ns = r1.interrupts[0]?.ns ?? [];
    expect(ns.map((p) => p.split(":")[0])).toEqual(["outer", "sub", "write"]);
    expect(r1.interrupts[0]?.id).toBe(await xxhash128(ns.join("|")));
    const innerNs = ns.slice(0, 2).join("|");
    expect((await getState(top, store, { threadId: "t", checkpointNs: innerNs })).next).toEqual(["write"]);
    const r2 = await runGraph(top, store, { threadId: "t", command: new Command({ resume: "deep" }) });
    expect(r2.status).toBe("success");
    expect(r2.values).toEqual({ topic: "cats", joke: "deep: a joke about cats", log: ["pick", "done"] });
    expect(calls).toEqual({ prep: 1, write: 2 });
  });

  it("an unknown subgraph namespace is a SubgraphNotFoundError naming it without task ids", async () => {
    await expect(
      getState(parent({}), new MemoryStore(), { threadId: "t", checkpointNs: "nope:1" }),
    ).rejects.toThrow("Subgraph nope not found");
    await expect(
      getState(parent({}), new MemoryStore(), { threadId: "t", checkpointNs: "sub:1|deeper:2" }),
    ).rejects.toThrow("Subgraph sub|deeper not found");
  });
});
