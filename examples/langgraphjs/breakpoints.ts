/**
 * The documented breakpoints graph written in LangGraph.js (graph id `lg_breakpoints`), the twin of Loom's
 * `src/graphs/breakpoints.ts`: START → node_a → node_b → node_c → END, each node appending its name to `messages`
 * (append reducer: a list or one item, default `[]`). The same graph as `bench/peer/graphs/breakpoints.ts`, which
 * the LangGraph.js dev server serves in `npm run bench:runs`.
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
  .compile({ name: "lg_breakpoints" });
