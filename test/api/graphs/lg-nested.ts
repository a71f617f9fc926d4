/**
 * Test graph `lg_nested` in LangGraph.js: pick → sub → done, where `sub` is a compiled subgraph (prep → write)
 * whose `prep` writes a custom stream chunk and whose `write` asks for approval with `interrupt()`. The LangGraph.js
 * twin of `nested.ts`, for `stream_subgraphs`, `checkpoint_ns` and `GET /state?subgraphs=true` on hosted graphs.
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";

const SubState = Annotation.Root({
  topic: Annotation<string>,
  joke: Annotation<string>,
  steps: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
});

const sub = new StateGraph(SubState)
  .addNode("prep", (_state, config) => {
    config.writer?.({ progress: "prep" });
    return { steps: ["prep"] };
  })
  .addNode("write", (state) => {
    const ok = interrupt<{ approve: string | null }, string>({ approve: state.topic ?? null });
    return { joke: `${ok}: a joke about ${state.topic}` };
  })
  .addEdge(START, "prep")
  .addEdge("prep", "write")
  .addEdge("write", END)
  .compile({ name: "sub" });

const State = Annotation.Root({
  topic: Annotation<string>,
  joke: Annotation<string>,
  log: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
});

export const graph = new StateGraph(State)
  .addNode("pick", () => ({ topic: "cats", log: ["pick"] }))
  .addNode("sub", sub)
  .addNode("done", () => ({ log: ["done"] }))
  .addEdge(START, "pick")
  .addEdge("pick", "sub")
  .addEdge("sub", "done")
  .addEdge("done", END)
  .compile({ name: "lg_nested" });
