import { describe, expect, it } from "vitest";
import {
  append,
  Command,
  END,
  GraphValidationError,
  lastValue,
  merge,
  reducer,
  runGraph,
  Send,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import { MemoryStore } from "./helpers.js";

const noop = () => undefined;

describe("StateGraph authoring and compile() validation", () => {
  it("rejects an edge to an unknown node (dangling edge)", () => {
    const g = new StateGraph({ x: lastValue<number>() })
      .addNode("a", noop)
      .addEdge(START, "a")
      .addEdge("a", "ghost");
    expect(() => g.compile()).toThrow(GraphValidationError);
    expect(() => g.compile()).toThrow(/unknown node `ghost`/);
  });

  it("rejects an edge from an unknown node", () => {
    const g = new StateGraph({ x: lastValue<number>() })
      .addNode("a", noop)
      .addEdge(START, "a")
      .addEdge("ghost", "a");
    expect(() => g.compile()).toThrow(/starting at unknown node `ghost`/);
  });

  it("rejects a graph without an entry point", () => {
    const g = new StateGraph({ x: lastValue<number>() }).addNode("a", noop).addEdge("a", END);
    expect(() => g.compile()).toThrow(/entrypoint/);
  });

  it("rejects unreachable nodes", () => {
    const g = new StateGraph({ x: lastValue<number>() })
      .addNode("a", noop)
      .addNode("island", noop)
      .addEdge(START, "a")
      .addEdge("island", END);
    expect(() => g.compile()).toThrow(/`island` is not reachable/);
  });

  it("counts conditional edges (path map or any node), joins and Command ends for reachability", () => {
    const base = () =>
      new StateGraph({ x: lastValue<number>() })
        .addNode("a", noop)
        .addNode("b", noop)
        .addNode("c", noop)
        .addEdge(START, "a");
    expect(() =>
      base()
        .addConditionalEdges("a", () => "b", ["b", "c"])
        .compile(),
    ).not.toThrow();
    expect(() =>
      base()
        .addConditionalEdges("a", () => "b")
        .compile(),
    ).not.toThrow();
    expect(() =>
      base()
        .addConditionalEdges("a", () => "b", { go: "b" })
        .compile(),
    ).toThrow(/`c` is not reachable/);
    const withEnds = new StateGraph({ x: lastValue<number>() })
      .addNode("a", () => new Command({ goto: "b" }), { ends: ["b"] })
      .addNode("b", noop)
      .addEdge(START, "a");
    expect(() => withEnds.compile()).not.toThrow();
  });

  it("rejects duplicate, reserved and state-key node names and END/START misuse", () => {
    expect(() => new StateGraph({ x: lastValue<number>() }).addNode("a", noop).addNode("a", noop)).toThrow(
      /already present/,
    );
    const reserved = new StateGraph({ x: lastValue<number>() }).addNode("__x", noop).addEdge(START, "__x");
    expect(() => reserved.compile()).toThrow(/reserved/);
    const clash = new StateGraph({ x: lastValue<number>() }).addNode("x", noop).addEdge(START, "x");
    expect(() => clash.compile()).toThrow(/state key/);
    const fromEnd = new StateGraph({ x: lastValue<number>() })
      .addNode("a", noop)
      .addEdge(START, "a")
      .addEdge(END, "a");
    expect(() => fromEnd.compile()).toThrow(/END cannot be the start/);
    const toStart = new StateGraph({ x: lastValue<number>() })
      .addNode("a", noop)
      .addEdge(START, "a")
      .addEdge("a", START);
    expect(() => toStart.compile()).toThrow(/START cannot be the end/);
  });

  it("rejects breakpoints naming unknown nodes", () => {
    const g = new StateGraph({ x: lastValue<number>() }).addNode("a", noop).addEdge(START, "a");
    expect(() => g.compile({ interruptBefore: ["zz"] })).toThrow(/interruptBefore names unknown node `zz`/);
    expect(() => g.compile({ interruptAfter: ["zz"] })).toThrow(/interruptAfter/);
    expect(() => g.compile({ interruptBefore: "*" })).not.toThrow();
  });

  it("runs fan-out, a multi-source join, conditional edges with a path map, and Send map-reduce", async () => {
    const graph = new StateGraph({
      log: append<string>(),
      items: lastValue<string[]>(),
      out: append<string>(),
    })
      .addNode("split", () => ({ log: ["split"] }))
      .addNode("left", () => ({ log: ["left"] }))
      .addNode("right", () => ({ log: ["right"] }))
      .addNode("join", () => ({ log: ["join"] }))
      .addNode("worker", (arg: { item: string }) => ({ out: [`did ${arg.item}`] }))
      .addEdge(START, "split")
      .addEdge("split", "left")
      .addEdge("split", "right")
      .addEdge(["left", "right"], "join")
      .addConditionalEdges("join", (s) => (s.items ?? []).map((item) => new Send("worker", { item })))
      .addConditionalEdges("worker", () => "done", { done: END })
      .compile();
    const r = await runGraph(graph, new MemoryStore(), { threadId: "t", input: { items: ["x", "y", "z"] } });
    expect(r.status).toBe("success");
    expect(r.values.log).toEqual(["split", "left", "right", "join"]);
    expect(r.values.out).toEqual(["did x", "did y", "did z"]);
  });

  it("a join waits for all its sources even when they finish in different steps", async () => {
    const graph = new StateGraph({ log: append<string>() })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b1", () => ({ log: ["b1"] }))
      .addNode("b2", () => ({ log: ["b2"] }))
      .addNode("j", () => ({ log: ["j"] }))
      .addEdge(START, "a")
      .addEdge(START, "b1")
      .addEdge("b1", "b2")
      .addEdge(["a", "b2"], "j")
      .compile();
    const r = await runGraph(graph, new MemoryStore(), { threadId: "t", input: {} });
    expect(r.values.log).toEqual(["a", "b1", "b2", "j"]);
  });

  it("supports merge and custom reducers with defaults", async () => {
    const graph = new StateGraph({
      meta: merge<Record<string, string>>(),
      total: reducer(
        (a: number, b: number) => a + b,
        () => 10,
      ),
    })
      .addNode("a", () => ({ meta: { a: "1" }, total: 1 }))
      .addNode("b", () => ({ meta: { b: "2" }, total: 2 }))
      .addEdge(START, "a")
      .addEdge(START, "b")
      .compile();
    const r = await runGraph(graph, new MemoryStore(), { threadId: "t", input: { total: 100 } });
    expect(r.values).toEqual({ meta: { a: "1", b: "2" }, total: 113 });
  });

  it("a node returning an unknown key or a non-object fails the run with InvalidUpdateError", async () => {
    const bad = (ret: unknown) =>
      new StateGraph({ x: lastValue<number>() })
        .addNode("a", () => ret as { x: number })
        .addEdge(START, "a")
        .compile();
    const r1 = await runGraph(bad({ nope: 1 }), new MemoryStore(), { threadId: "t", input: {} });
    expect(r1.status).toBe("error");
    expect(r1.error?.name).toBe("InvalidUpdateError");
    const r2 = await runGraph(bad("str"), new MemoryStore(), { threadId: "t", input: {} });
    expect(r2.error?.name).toBe("InvalidUpdateError");
  });

  it("Command returned by a node updates state and routes with goto (including Send)", async () => {
    const graph = new StateGraph({ log: append<string>() })
      .addNode("a", () => new Command({ update: { log: ["a"] }, goto: ["b", new Send("c", { log: [] })] }), {
        ends: ["b", "c"],
      })
      .addNode("b", () => ({ log: ["b"] }))
      .addNode("c", () => ({ log: ["c"] }))
      .addEdge(START, "a")
      .compile();
    const r = await runGraph(graph, new MemoryStore(), { threadId: "t", input: {} });
    expect(r.values.log).toEqual(["a", "b", "c"]);
  });

  it("nodes get the run's config (with thread_id), signal and ids in ctx", async () => {
    let seen: unknown;
    const graph = new StateGraph({ x: lastValue<number>() })
      .addNode("a", (_s, ctx) => {
        seen = {
          config: ctx.config,
          node: ctx.node,
          step: ctx.step,
          thread: ctx.threadId,
          aborted: ctx.signal.aborted,
          id: ctx.taskId,
        };
      })
      .addEdge(START, "a")
      .compile();
    await runGraph(graph, new MemoryStore(), {
      threadId: "t",
      input: {},
      config: { configurable: { user_id: "u" }, tags: ["x"] },
    });
    expect(seen).toEqual({
      config: { configurable: { user_id: "u", thread_id: "t", checkpoint_ns: "" }, tags: ["x"] },
      node: "a",
      step: 1,
      thread: "t",
      aborted: false,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("a router sees the state with its node's own update applied", async () => {
    const graph = new StateGraph({ n: lastValue<number>(), log: append<string>() })
      .addNode("a", () => ({ n: 5 }))
      .addNode("big", () => ({ log: ["big"] }))
      .addNode("small", () => ({ log: ["small"] }))
      .addEdge(START, "a")
      .addConditionalEdges("a", (s) => ((s.n ?? 0) > 3 ? "big" : "small"))
      .compile();
    const r = await runGraph(graph, new MemoryStore(), { threadId: "t", input: { n: 1 } });
    expect(r.values.log).toEqual(["big"]);
  });
});
