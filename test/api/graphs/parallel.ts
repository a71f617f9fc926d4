/**
 * Test graph `parallel`: START fans out to `ask_a` and `ask_b`, each pausing with `interrupt()`; two interrupts
 * are then pending at once (docs/semantics.md §3.8).
 */
import { END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

export const graph = new StateGraph({ a: lastValue<string>(), b: lastValue<string>() })
  .addNode("ask_a", (_s, ctx) => ({ a: ctx.interrupt<string>("question a") }))
  .addNode("ask_b", (_s, ctx) => ({ b: ctx.interrupt<string>("question b") }))
  .addEdge(START, "ask_a")
  .addEdge(START, "ask_b")
  .addEdge("ask_a", END)
  .addEdge("ask_b", END)
  .compile({ name: "parallel" });
