/**
 * Test graph `slow`: one node that sleeps `ms` milliseconds (default 1500), ending early when the run is
 * cancelled. Keeps a thread busy for busy-thread tests.
 */
import { END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

export const graph = new StateGraph({ ms: lastValue<number>(), done: lastValue<boolean>() })
  .addNode("sleep", async (state, ctx) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, state.ms ?? 1500);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { done: true };
  })
  .addEdge(START, "sleep")
  .addEdge("sleep", END)
  .compile({ name: "slow" });
