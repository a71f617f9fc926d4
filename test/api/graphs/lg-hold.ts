/**
 * Test graph `lg_hold` in LangGraph.js: START → hold → END; `hold` waits until the run is cancelled (its signal
 * aborts), so a thread stays busy for cancel and multitask tests without timers.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({ done: Annotation<boolean> });

export const graph = new StateGraph(State)
  .addNode("hold", async (_state, config) => {
    await new Promise<void>((resolve) => {
      if (config.signal?.aborted) resolve();
      config.signal?.addEventListener("abort", () => resolve());
    });
    return { done: true };
  })
  .addEdge(START, "hold")
  .addEdge("hold", END)
  .compile({ name: "lg_hold" });
