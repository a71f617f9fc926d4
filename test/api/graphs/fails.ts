/**
 * Test graph `fails`: one node that throws `CustomError("Boo!")` (the langgraphjs `error` graph), after an
 * optional `ms` delay.
 */
import { END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

class CustomError extends Error {
  override readonly name = "CustomError";
}

export const graph = new StateGraph({ ms: lastValue<number>() })
  .addNode("boom", async (state) => {
    if (state.ms) await new Promise((r) => setTimeout(r, state.ms));
    throw new CustomError("Boo!");
  })
  .addEdge(START, "boom")
  .addEdge("boom", END)
  .compile({ name: "fails" });
