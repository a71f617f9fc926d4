/**
 * Test graph `ask`: `ask` pauses with `interrupt("proceed?")` and stores the answer; then `nap` sleeps `state.ms`
 * (default 5000, ends early when the run is stopped). A resume run can so be cancelled after it used its resume
 * value.
 */
import { END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

export const graph = new StateGraph({
  ms: lastValue<number>(),
  answer: lastValue<string>(),
  slept: lastValue<boolean>(),
})
  .addNode("ask", (_s, ctx) => ({ answer: ctx.interrupt<string>("proceed?") }))
  .addNode("nap", async (state, ctx) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, state.ms ?? 5000);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { slept: true };
  })
  .addEdge(START, "ask")
  .addEdge("ask", "nap")
  .addEdge("nap", END)
  .compile({ name: "ask" });
