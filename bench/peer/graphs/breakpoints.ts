/**
 * `breakpoints` in LangGraph.js, mirroring Loom's `src/graphs/breakpoints.ts`: START → node_a → node_b → node_c → END,
 * each node appending its name to `messages` (append reducer: a list or one item, default `[]`).
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({
  messages: Annotation<string[], string | string[]>({
    reducer: (current, update) => current.concat(Array.isArray(update) ? update : [update]),
    default: () => [],
  }),
});

export const graph = new StateGraph(State)
  .addNode("node_a", () => ({ messages: ["node_a"] }))
  .addNode("node_b", () => ({ messages: ["node_b"] }))
  .addNode("node_c", () => ({ messages: ["node_c"] }))
  .addEdge(START, "node_a")
  .addEdge("node_a", "node_b")
  .addEdge("node_b", "node_c")
  .addEdge("node_c", END)
  .compile({ name: "breakpoints" });
