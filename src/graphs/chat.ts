/**
 * `chat`: a deterministic chat graph over `MessagesAnnotation`. Its one node answers the last human message with
 * `"You said: <text>"`, streamed word by word through `ctx.streamMessage`, then writes the whole reply under the
 * streamed id (so `messages-tuple` shows the tokens once, and the state the complete AI message).
 */
import { END, MessagesAnnotation, START, StateGraph } from "../engine/index.js";

/** The reply to `text`, as the tokens the node streams. */
export function replyTokens(text: string): string[] {
  return `You said: ${text}`.split(/(?<= )/);
}

/** The compiled graph: START → chat → END. */
export const graph = new StateGraph(MessagesAnnotation)
  .addNode("chat", (state, ctx) => {
    const last = [...(state.messages ?? [])].reverse().find((m) => m.type === "human");
    const text = typeof last?.content === "string" ? last.content : "";
    let id = "";
    for (const token of replyTokens(text)) id = ctx.streamMessage(token);
    return { messages: [{ type: "ai", id, content: replyTokens(text).join("") }] };
  })
  .addEdge(START, "chat")
  .addEdge("chat", END)
  .compile({ name: "chat" });
