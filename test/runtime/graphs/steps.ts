/**
 * Test graph `steps`: three nodes in a row (`one` → `two` → `three`), each sleeping `state.ms` (default 300; it
 * ends early when the run is stopped). Every node writes its execution to the log file `state.log`: a JSON line
 * `{node, pid, event: "start", at}` when it starts and `{node, pid, event: "end", at, aborted}` when it ends, so a
 * test or benchmark can find overlapping executions of one run across processes (`execution-log.ts`).
 */
import { appendFileSync } from "node:fs";
import { append, END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

function step(name: string) {
  return async (state: { log: string; ms: number }, ctx: { signal: AbortSignal }) => {
    const line = (fields: Record<string, unknown>) =>
      appendFileSync(
        state.log,
        `${JSON.stringify({ node: name, pid: process.pid, at: Date.now(), ...fields })}\n`,
      );
    line({ event: "start" });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, state.ms ?? 300);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    line({ event: "end", aborted: ctx.signal.aborted });
    return { done: [name] };
  };
}

export const graph = new StateGraph({
  log: lastValue<string>(),
  ms: lastValue<number>(),
  done: append<string>(),
})
  .addNode("one", step("one"))
  .addNode("two", step("two"))
  .addNode("three", step("three"))
  .addEdge(START, "one")
  .addEdge("one", "two")
  .addEdge("two", "three")
  .addEdge("three", END)
  .compile({ name: "steps" });
