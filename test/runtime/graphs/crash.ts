/**
 * Test graph `crash`: START fans out to `quick` and `nap` (one super-step), then `last`. Each node appends a line
 * to the file `state.log` when it starts, so a test can count executions across processes; `nap` sleeps
 * `state.ms` (default 1000) and ends early when the run is stopped.
 */
import { appendFileSync } from "node:fs";
import { append, END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

export const graph = new StateGraph({
  log: lastValue<string>(),
  ms: lastValue<number>(),
  steps: append<string>(),
})
  .addNode("quick", (state) => {
    appendFileSync(state.log, "quick\n");
    return { steps: ["quick"] };
  })
  .addNode("nap", async (state, ctx) => {
    appendFileSync(state.log, "nap\n");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, state.ms ?? 1000);
      ctx.signal.addEventListener("abort", () => {
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
  .compile({ name: "crash" });
