/**
 * Test graph `lg_crash`, the LangGraph.js twin of `crash.ts`: START fans out to `quick` and `nap` (one super-step),
 * then `last`. Each node appends a line to the file `state.log` when it starts, so a test can count executions
 * across processes; `nap` sleeps `state.ms` (default 1000) and ends early when the run's signal aborts.
 */
import { appendFileSync } from "node:fs";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({
  log: Annotation<string>,
  ms: Annotation<number>,
  steps: Annotation<string[], string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

export const graph = new StateGraph(State)
  .addNode("quick", (state) => {
    appendFileSync(state.log, "quick\n");
    return { steps: ["quick"] };
  })
  .addNode("nap", async (state, config) => {
    appendFileSync(state.log, "nap\n");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, state.ms ?? 1000);
      config.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { steps: ["nap"] };
  })
  .addNode("last", (state) => {
    appendFileSync(state.log, "last\n");
    return { steps: ["last"] };
  })
  .addEdge(START, "quick")
  .addEdge(START, "nap")
  .addEdge("quick", "last")
  .addEdge("nap", "last")
  .addEdge("last", END)
  .compile({ name: "lg_crash" });
