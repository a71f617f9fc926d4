/**
 * `agent` in LangGraph.js, mirroring Loom's `src/graphs/agent.ts`: START → human_node → END; `human_node` pauses
 * with `interrupt({text_to_revise})` and stores the resume value as the new text.
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({ some_text: Annotation<string> });

export const graph = new StateGraph(State)
  .addNode("human_node", (state) => {
    const value = interrupt<{ text_to_revise: string | null }, string>({
      text_to_revise: state.some_text ?? null,
    });
    return { some_text: value };
  })
  .addEdge(START, "human_node")
  .addEdge("human_node", END)
  .compile({ name: "agent" });
