/**
 * `joke` in LangGraph.js, mirroring Loom's `src/graphs/joke.ts`: START → generate_topic → write_joke → END, no LLM.
 * `generate_topic` picks "socks" unless a topic is present; `write_joke` writes a deterministic joke about it.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({ topic: Annotation<string>, joke: Annotation<string> });

export function jokeAbout(topic: string): string {
  return `Why did the ${topic} cross the road? To get to the other side of the ${topic} aisle!`;
}

export const graph = new StateGraph(State)
  .addNode("generate_topic", (state) => (state.topic ? {} : { topic: "socks" }))
  .addNode("write_joke", (state) => ({ joke: jokeAbout(state.topic ?? "nothing") }))
  .addEdge(START, "generate_topic")
  .addEdge("generate_topic", "write_joke")
  .addEdge("write_joke", END)
  .compile({ name: "joke" });
