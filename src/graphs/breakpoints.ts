/**
 * `breakpoints`: the static-breakpoint example (DESIGN flow 1). Three nodes in sequence, each appending its name
 * to `messages`. Used with `interruptBefore: ["node_a"]`, `interruptAfter: ["node_b", "node_c"]` and resumed with
 * `input: null`. `breakpoints_static` is the same graph compiled with `interruptBefore: ["node_b"]`, so the
 * compile-time breakpoint flow (docs/semantics.md §2) runs with no per-run breakpoints and no graph to write.
 */
import { append, END, START, StateGraph } from "../engine/index.js";

/** State schema: `{messages: string[]}` (append reducer). */
export const schema = { messages: append<string>() };

/** START → node_a → node_b → node_c → END, each node appending its name. */
function builder() {
  return new StateGraph(schema)
    .addNode("node_a", () => ({ messages: ["node_a"] }))
    .addNode("node_b", () => ({ messages: ["node_b"] }))
    .addNode("node_c", () => ({ messages: ["node_c"] }))
    .addEdge(START, "node_a")
    .addEdge("node_a", "node_b")
    .addEdge("node_b", "node_c")
    .addEdge("node_c", END);
}

/** The compiled graph (no compiled breakpoints; pass them per run). */
export const graph = builder().compile({ name: "breakpoints" });

/**
 * The same graph compiled with `interruptBefore: ["node_b"]` (graph id `breakpoints_static`): a run with input
 * `{}` stops with `messages: ["node_a"]`, `next: ["node_b"]`; a run with no input (unset, or JSON null) resumes
 * and ends with `["node_a", "node_b", "node_c"]`. A run's own non-empty `interrupt_before` replaces the compiled one.
 */
export const staticGraph = builder().compile({ name: "breakpoints_static", interruptBefore: ["node_b"] });
