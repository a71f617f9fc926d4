/**
 * Test graph `lg_chat` in LangGraph.js: `StateGraph(MessagesAnnotation)` with one node calling a deterministic
 * streaming chat model (`FakeListChatModel` of `@langchain/core`, no network), for `messages-tuple` token streaming.
 */
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

const model = new FakeListChatModel({ responses: ["Hello there"] });

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("chat", async (state) => ({ messages: [await model.invoke(state.messages)] }))
  .addEdge(START, "chat")
  .addEdge("chat", END)
  .compile({ name: "lg_chat" });
