/**
 * Runtime context in LangGraph.js (graph id `lg_context`): static values a run is given besides its input (a user
 * name, a language), set on the assistant and/or the run as `context` (docs/api.md §5 `context`). LangGraph.js
 * hands them to every node as `config.context`, subgraphs included: here the `greeter` subgraph answers in the
 * context's `language` and records the context it saw in `seen`.
 */
import { Annotation, END, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({
  answer: Annotation<string>,
  seen: Annotation<Record<string, unknown>>,
});

interface Context {
  user_name?: string;
  language?: "en" | "fr";
}

const HELLO = { en: "Hello", fr: "Bonjour" } as const;

const greeter = new StateGraph(State)
  .addNode("greet", (_state, config: LangGraphRunnableConfig) => {
    const context = (config.context ?? {}) as Context;
    const hello = HELLO[context.language ?? "en"] ?? HELLO.en;
    return { answer: `${hello}, ${context.user_name ?? "stranger"}!`, seen: { ...context } };
  })
  .addEdge(START, "greet")
  .addEdge("greet", END)
  .compile({ name: "greeter" });

export const graph = new StateGraph(State)
  .addNode("greeter", greeter)
  .addEdge(START, "greeter")
  .addEdge("greeter", END)
  .compile({ name: "lg_context" });
