/**
 * `breakpoints`: the static-breakpoint example (DESIGN flow 1). Three nodes in sequence, each appending its name
 * to `messages`. Used with `interruptBefore: ["node_a"]`, `interruptAfter: ["node_b", "node_c"]` and resumed with
 * `input: null`.
 */
import { append, END, START, StateGraph } from "../engine/index.js";

/** State schema: `{messages: string[]}` (append reducer). */
export const schema = { messages: append<string>() };

/** The compiled graph: START → node_a → node_b → node_c → END (no compiled breakpoints; pass them per run). */
export const graph = new StateGraph(schema)
  .addNode("node_a", () => ({ messages: ["node_a"] }))
  .addNode("node_b", () => ({ messages: ["node_b"] }))
  .addNode("node_c", () => ({ messages: ["node_c"] }))
  .addEdge(START, "node_a")
  .addEdge("node_a", "node_b")
  .addEdge("node_b", "node_c")
  .addEdge("node_c", END)
  .compile({ name: "breakpoints" });
