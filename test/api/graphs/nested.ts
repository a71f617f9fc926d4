/**
 * Test graph `nested`: pick → sub → done, where `sub` is a compiled subgraph (prep → write) whose `prep` writes a
 * custom chunk and whose `write` asks for approval with `interrupt()`. Exercises `stream_subgraphs`, `checkpoint_ns`
 * and `GET /state?subgraphs=true`.
 */
import { append, END, lastValue, START, StateGraph } from "../../../src/engine/index.js";

const sub = new StateGraph({ topic: lastValue<string>(), joke: lastValue<string>(), steps: append<string>() })
  .addNode("prep", (_s, ctx) => {
    ctx.writer({ progress: "prep" });
    return { steps: ["prep"] };
  })
  .addNode("write", (s, ctx) => {
    const ok = ctx.interrupt<string>({ approve: s.topic ?? null });
    return { joke: `${ok}: a joke about ${s.topic}` };
  })
  .addEdge(START, "prep")
  .addEdge("prep", "write")
  .addEdge("write", END)
  .compile({ name: "sub" });

export const graph = new StateGraph({
  topic: lastValue<string>(),
  joke: lastValue<string>(),
  log: append<string>(),
})
  .addNode("pick", () => ({ topic: "cats", log: ["pick"] }))
  .addNode("sub", sub)
  .addNode("done", () => ({ log: ["done"] }))
  .addEdge(START, "pick")
  .addEdge("pick", "sub")
  .addEdge("sub", "done")
  .addEdge("done", END)
  .compile({ name: "nested" });
