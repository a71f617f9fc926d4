/**
 * Run context (docs/api.md §5 `context`): `config.context` reaches every node as `ctx.context`, subgraph nodes
 * included, survives an interrupt and resume, and is never copied into checkpoint metadata. Plus the subgraph
 * walk of `GET /assistants/{id}/subgraphs` over Loom graphs (docs/api.md §3).
 */
import { describe, expect, it } from "vitest";
import {
  Command,
  END,
  type JsonValue,
  lastValue,
  runGraph,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import { describeSubgraphs } from "../../src/host/loom-drawing.js";
import { MemoryStore } from "./helpers.js";

type Seen = Record<string, JsonValue>;

function graphs() {
  const keys = () => ({ outer: lastValue<Seen>(), inner: lastValue<Seen>(), answer: lastValue<string>() });
  const leaf = new StateGraph(keys())
    .addNode("look", (_s, ctx) => {
      const answer = ctx.interrupt<string>("ok?");
      return { inner: { ...ctx.context }, answer };
    })
    .addEdge(START, "look")
    .addEdge("look", END)
    .compile({ name: "leaf" });
  const middle = new StateGraph(keys())
    .addNode("leaf", leaf)
    .addEdge(START, "leaf")
    .addEdge("leaf", END)
    .compile({ name: "middle" });
  const root = new StateGraph(keys())
    .addNode("read", (_s, ctx) => ({ outer: { ...ctx.context } }))
    .addNode("middle", middle)
    .addNode("plain", () => ({}))
    .addEdge(START, "read")
    .addEdge("read", "middle")
    .addEdge("middle", "plain")
    .addEdge("plain", END)
    .compile({ name: "root" });
  return { root, middle };
}

describe("run context", () => {
  it("reaches root and subgraph nodes as ctx.context, across a resume, and stays out of metadata", async () => {
    const store = new MemoryStore();
    const { root } = graphs();
    const context = { user: "ada", lang: "fr" };
    const paused = await runGraph(root, store, { threadId: "t", input: {}, config: { context } });
    expect(paused.status).toBe("paused");
    expect(paused.values.outer).toEqual(context);
    const done = await runGraph(root, store, {
      threadId: "t",
      command: new Command({ resume: "yes" }),
      config: { context: { user: "bo" } },
    });
    expect(done.status).toBe("success");
    expect(done.values).toMatchObject({ inner: { user: "bo" }, answer: "yes" });
    const tuples = await store.list({ threadId: "t" });
    expect(tuples.length).toBeGreaterThan(2);
    for (const tuple of tuples) expect(Object.keys(tuple.metadata)).not.toContain("user");
  });

  it("is {} when the run has none", async () => {
    const store = new MemoryStore();
    const { root } = graphs();
    const out = await runGraph(root, store, { threadId: "t2", input: {} });
    expect(out.values.outer).toEqual({});
  });
});

describe("subgraph walk", () => {
  it("lists direct subgraphs, recurses as parent|child, filters by namespace", () => {
    const { root, middle } = graphs();
    expect(Object.keys(describeSubgraphs(root, undefined, false))).toEqual(["middle"]);
    expect(Object.keys(describeSubgraphs(root, undefined, true))).toEqual(["middle", "middle|leaf"]);
    expect(Object.keys(describeSubgraphs(root, "middle", false))).toEqual(["middle"]);
    expect(Object.keys(describeSubgraphs(root, "middle|leaf", false))).toEqual([]);
    expect(Object.keys(describeSubgraphs(root, "middle|leaf", true))).toEqual(["middle|leaf"]);
    expect(describeSubgraphs(root, "plain", true)).toEqual({});
    expect(describeSubgraphs(middle, undefined, false).leaf?.state_schema).toMatchObject({
      title: "leaf",
      properties: { outer: {}, inner: {}, answer: {} },
    });
  });
});
