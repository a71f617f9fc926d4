/**
 * Test graph `chatty`: one node that emits `n` custom stream events of `size` characters each (defaults 10 and 10),
 * for the slow-reader test.
 */
import { END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

export const graph = new StateGraph({
  n: lastValue<number>(),
  size: lastValue<number>(),
  done: lastValue<boolean>(),
})
  .addNode("talk", (state, ctx) => {
    const filler = "x".repeat(state.size ?? 10);
    for (let i = 0; i < (state.n ?? 10); i++) ctx.writer({ i, filler });
    return { done: true };
  })
  .addEdge(START, "talk")
  .addEdge("talk", END)
  .compile({ name: "chatty" });
