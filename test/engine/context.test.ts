/**
 * Run context (docs/api.md §5 `context`): `config.context` reaches every node as `ctx.context`, subgraph nodes
 * included, survives an interrupt and resume, and is never copied into checkpoint metadata. Plus the subgraph
 * walk of `GET /assistants/{id}/subgraphs` over Loom graphs (docs/api.md §3). A context schema
 * (`new StateGraph(schema, contextSchema)`) types `ctx.context`, validates the run's context before anything is
 * written and applies its defaults.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  Command,
  END,
  InvalidContextError,
  type JsonValue,
  lastValue,
  runGraph,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import { describeSchemas, describeSubgraphs } from "../../src/host/loom-drawing.js";
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

const UserContext = z.object({ user_id: z.string(), lang: z.enum(["en", "fr"]).default("en") });

function typedGraph() {
  const inner = new StateGraph({ seen: lastValue<Seen>(), inner: lastValue<Seen>() })
    .addNode("look", (_s, ctx) => ({ inner: { ...ctx.context } }))
    .addEdge(START, "look")
    .addEdge("look", END)
    .compile({ name: "inner" });
  return new StateGraph({ seen: lastValue<Seen>(), inner: lastValue<Seen>() }, UserContext)
    .addNode("read", (_s, ctx) => {
      // Compile-time: ctx.context is the schema's output type.
      expectTypeOf(ctx.context.user_id).toEqualTypeOf<string>();
      expectTypeOf(ctx.context.lang).toEqualTypeOf<"en" | "fr">();
      // @ts-expect-error a key the schema does not declare
      void ctx.context.nope;
      return { seen: { ...ctx.context } };
    })
    .addNode("sub", inner)
    .addEdge(START, "read")
    .addEdge("read", "sub")
    .addEdge("sub", END)
    .compile({ name: "typed" });
}

describe("context schema", () => {
  it("applies defaults and drops undeclared keys; a subgraph without a schema sees the same context", async () => {
    const store = new MemoryStore();
    const out = await runGraph(typedGraph(), store, {
      threadId: "s1",
      input: {},
      config: { context: { user_id: "ada", extra: 1 } },
    });
    expect(out.status).toBe("success");
    expect(out.values.seen).toEqual({ user_id: "ada", lang: "en" });
    expect(out.values.inner).toEqual({ user_id: "ada", lang: "en" });
  });

  it("refuses an invalid context naming each field, before any checkpoint is written", async () => {
    const store = new MemoryStore();
    const error = await runGraph(typedGraph(), store, {
      threadId: "s2",
      input: {},
      config: { context: { lang: "de" } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidContextError);
    expect((error as InvalidContextError).issues.map((i) => i.path)).toEqual(["user_id", "lang"]);
    expect((error as Error).message).toMatch(/^Invalid context: user_id: .*; lang: /);
    expect(await store.list({ threadId: "s2" })).toEqual([]);
  });

  it("accepts LangGraph.js's options form { context } and leaves ctx.context untyped without a schema", async () => {
    const graph = new StateGraph({ seen: lastValue<Seen>() }, { context: UserContext })
      .addNode("read", (_s, ctx) => ({ seen: { lang: ctx.context.lang } }))
      .addEdge(START, "read")
      .compile();
    const out = await runGraph(graph, new MemoryStore(), {
      threadId: "s3",
      input: {},
      config: { context: { user_id: "bo", lang: "fr" } },
    });
    expect(out.values.seen).toEqual({ lang: "fr" });
    new StateGraph({ seen: lastValue<Seen>() }).addNode("read", (_s, ctx) => {
      expectTypeOf(ctx.context).toEqualTypeOf<Readonly<Record<string, JsonValue>>>();
      return {};
    });
  });

  it("is published as context_schema (JSON Schema of what a client sends); free-form without a schema", () => {
    expect(describeSchemas("typed", typedGraph()).context_schema).toEqual({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "Context",
      type: "object",
      properties: {
        user_id: { type: "string" },
        lang: { type: "string", enum: ["en", "fr"], default: "en" },
      },
      required: ["user_id"],
    });
    const subgraphs = describeSubgraphs(typedGraph(), undefined, false);
    expect(subgraphs.sub?.context_schema).toEqual({ title: "Context", type: "object", properties: {} });
  });
});
