/**
 * `joke`: the LangGraph time-travel tutorial graph without an LLM (DESIGN flow 3). `generate_topic` picks a topic
 * unless one is present; `write_joke` writes a deterministic joke about it.
 *
 * Flow: run `{}` → `{topic: "socks", joke: …socks…}`; history; `updateState({topic: "chickens"}, checkpoint before
 * write_joke)`; run from the returned checkpoint → a joke about chickens on a new branch.
 */
import { END, lastValue, START, StateGraph } from "../engine/index.js";

/** State schema: `{topic?: string, joke?: string}`. */
export const schema = { topic: lastValue<string>(), joke: lastValue<string>() };

/** The deterministic joke for a topic. */
export function jokeAbout(topic: string): string {
  return `Why did the ${topic} cross the road? To get to the other side of the ${topic} aisle!`;
}

/** The compiled graph: START → generate_topic → write_joke → END. */
export const graph = new StateGraph(schema)
  .addNode("generate_topic", (state) => (state.topic ? undefined : { topic: "socks" }))
  .addNode("write_joke", (state) => ({ joke: jokeAbout(state.topic ?? "nothing") }))
  .addEdge(START, "generate_topic")
  .addEdge("generate_topic", "write_joke")
  .addEdge("write_joke", END)
  .compile({ name: "joke" });
