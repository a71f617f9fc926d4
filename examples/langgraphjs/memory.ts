/**
 * The `memory` graph written in LangGraph.js (graph id `lg_memory`), the twin of Loom's `src/graphs/memory.ts`:
 * `remember` stores `{text: fact}` under `["users", user_id, "memories"]` through `getStore()`, `recall` reads the
 * user's facts back through `config.store`, oldest first. Loom hands the graph its long-term memory store as
 * `config.store` (docs/store.md "LangGraph.js graphs").
 */
import {
  Annotation,
  END,
  getStore,
  type LangGraphRunnableConfig,
  START,
  StateGraph,
} from "@langchain/langgraph";

const State = Annotation.Root({
  user_id: Annotation<string>,
  fact: Annotation<string | undefined>,
  memories: Annotation<string[]>,
});

const namespace = (userId: string) => ["users", userId, "memories"];

export const graph = new StateGraph(State)
  .addNode("remember", async (state) => {
    const store = getStore();
    if (!store) throw new Error("no store: this graph needs the server's long-term memory store");
    if (state.fact) await store.put(namespace(state.user_id), state.fact, { text: state.fact });
    return {};
  })
  .addNode("recall", async (state, config: LangGraphRunnableConfig) => {
    const items = (await config.store?.search(namespace(state.user_id), { limit: 100 })) ?? [];
    const oldestFirst = [...items].sort(
      (a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime(),
    );
    return { memories: oldestFirst.map((i) => String(i.value.text)) };
  })
  .addEdge(START, "remember")
  .addEdge("remember", "recall")
  .addEdge("recall", END)
  .compile({ name: "lg_memory" });
