/**
 * `memory`: a node that uses the long-term memory store (docs/store.md). Input `{user_id, fact?}`: `remember`
 * stores the fact (if any) as an item `{text: fact}` under `["users", user_id, "memories"]`, key = the fact, then
 * `recall` lists every remembered fact of that user, oldest first, into `memories`. Facts outlive the thread: a
 * run on another thread for the same user sees them.
 */
import { END, lastValue, START, StateGraph } from "../engine/index.js";

/** State schema: `{user_id: string, fact?: string, memories?: string[]}`. */
export const schema = {
  user_id: lastValue<string>(),
  fact: lastValue<string>(),
  memories: lastValue<string[]>(),
};

/** The namespace of a user's memories. */
export function memoryNamespace(userId: string): string[] {
  return ["users", userId, "memories"];
}

/** The compiled graph: START → remember → recall → END. Without a store, `recall` answers `[]`. */
export const graph = new StateGraph(schema)
  .addNode("remember", async (state, ctx) => {
    if (state.fact)
      await ctx.store?.put(memoryNamespace(state.user_id ?? ""), state.fact, { text: state.fact });
    return undefined;
  })
  .addNode("recall", async (state, ctx) => {
    const items = (await ctx.store?.search(memoryNamespace(state.user_id ?? ""), { limit: 100 })) ?? [];
    const oldestFirst = [...items].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    return { memories: oldestFirst.map((i) => String(i.value.text)) };
  })
  .addEdge(START, "remember")
  .addEdge("remember", "recall")
  .addEdge("recall", END)
  .compile({ name: "memory" });
