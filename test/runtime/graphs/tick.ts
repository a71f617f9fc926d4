/**
 * Test graph `tick`: one node that waits `state.ms` (default 5) and appends `state.n` to `ticks`; several runs on
 * one thread each add their own `n`.
 */
import { append, END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

export const graph = new StateGraph({
  n: lastValue<number>(),
  ms: lastValue<number>(),
  ticks: append<number>(),
})
  .addNode("tick", async (state) => {
    await new Promise((r) => setTimeout(r, state.ms ?? 5));
    return { ticks: [state.n] };
  })
  .addEdge(START, "tick")
  .addEdge("tick", END)
  .compile({ name: "tick" });
