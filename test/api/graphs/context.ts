/**
 * Test graph `context`: `read` records what a node sees of its run (`config.configurable.model` and `ctx.context`),
 * then the two-level subgraph `mid` → `inner` records the context its node sees (`inner_context`). Exercises
 * assistant versions (which config a run uses), run context and `GET /assistants/{id}/subgraphs`.
 */
import { END, type JsonValue, lastValue, START, StateGraph } from "../../../src/engine/index.js";

type Seen = Record<string, JsonValue>;

const keys = () => ({
  model: lastValue<JsonValue>(),
  context: lastValue<Seen>(),
  inner_context: lastValue<Seen>(),
});

const inner = new StateGraph(keys())
  .addNode("look", (_s, ctx) => ({ inner_context: { ...ctx.context } }))
  .addEdge(START, "look")
  .addEdge("look", END)
  .compile({ name: "inner" });

const mid = new StateGraph(keys())
  .addNode("inner", inner)
  .addEdge(START, "inner")
  .addEdge("inner", END)
  .compile({ name: "mid" });

export const graph = new StateGraph(keys())
  .addNode("read", (_s, ctx) => ({
    model: ctx.config.configurable?.model ?? null,
    context: { ...ctx.context },
  }))
  .addNode("mid", mid)
  .addEdge(START, "read")
  .addEdge("read", "mid")
  .addEdge("mid", END)
  .compile({ name: "context" });
