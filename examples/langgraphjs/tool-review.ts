/**
 * `tool_review`: the tool-call review pattern of LangGraph's human-in-the-loop docs. The model
 * (`ScriptedChatModel` with `get_weather` and `add`) proposes tool calls; before any runs, the `review` node calls
 * `interrupt()` once per call with a `ReviewRequest`, and the run pauses (`__interrupt__`). Resume each with
 * `Command({resume: decision})`, a `ReviewDecision`:
 *
 * - `{type: "approve"}`: the call runs as proposed;
 * - `{type: "edit", args: {...}}`: the call runs with these arguments instead (the AI message in the state is
 *   rewritten under its id, so history shows what ran);
 * - `{type: "reject", message}`: the call does not run; a tool message with `status: "error"` carrying the
 *   reviewer's message goes back to the model, which answers with it. Any other value is a rejection too.
 *
 * START → agent → (tool calls? review : END); review → tools → agent, or review → agent when every call was
 * rejected.
 */
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { Command, END, interrupt, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { ScriptedChatModel } from "./scripted-model.js";
import { tools } from "./tools.js";

/** The interrupt value: one proposed tool call and what the reviewer may answer. */
export interface ReviewRequest {
  action_request: { action: string; args: Record<string, unknown> };
  tool_call_id: string;
  description: string;
  allowed_decisions: Array<ReviewDecision["type"]>;
}

/** The resume value answering a `ReviewRequest`. */
export type ReviewDecision =
  | { type: "approve" }
  | { type: "edit"; args: Record<string, unknown> }
  | { type: "reject"; message?: string };

const model = new ScriptedChatModel().bindTools(tools);

/**
 * Asks the reviewer about `call`. A resume value that is not a `ReviewDecision` counts as a rejection saying so:
 * throwing instead would fail the run with the bad value kept as this interrupt's answer, so every later resume
 * would fail the same way.
 */
function reviewCall(call: ToolCall): ReviewDecision {
  const decision = interrupt<ReviewRequest, ReviewDecision>({
    action_request: { action: call.name, args: call.args },
    tool_call_id: call.id ?? "",
    description: `Review the tool call ${call.name}(${JSON.stringify(call.args)}): approve, edit its args, or reject`,
    allowed_decisions: ["approve", "edit", "reject"],
  });
  const type = (decision as { type?: unknown } | null)?.type;
  if (type === "approve" || type === "reject") return decision;
  if (type === "edit" && typeof (decision as { args?: unknown }).args === "object") return decision;
  return { type: "reject", message: `not run: ${JSON.stringify(decision)} is no review decision` };
}

/** The compiled graph. */
export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
  .addNode(
    "review",
    (state) => {
      const proposed = state.messages.at(-1) as AIMessage;
      const approved: ToolCall[] = [];
      const rejections: ToolMessage[] = [];
      let edited = false;
      for (const call of proposed.tool_calls ?? []) {
        const decision = reviewCall(call);
        if (decision.type === "approve") approved.push(call);
        else if (decision.type === "edit") {
          approved.push({ ...call, args: decision.args });
          edited = true;
        } else {
          const reason = decision.message ?? "rejected by the reviewer";
          rejections.push(
            new ToolMessage({
              tool_call_id: call.id ?? "",
              name: call.name,
              content: reason,
              status: "error",
            }),
          );
        }
      }
      // Same id: the messages reducer replaces the proposal with what the reviewer allowed to run.
      const rewritten = edited
        ? [new AIMessage({ id: proposed.id, content: proposed.content, tool_calls: approved })]
        : [];
      // ToolNode runs only the calls that have no tool message yet, i.e. the approved and edited ones.
      return new Command({
        update: { messages: [...rewritten, ...rejections] },
        goto: approved.length > 0 ? "tools" : "agent",
      });
    },
    { ends: ["tools", "agent"] },
  )
  .addNode("tools", new ToolNode(tools))
  .addEdge(START, "agent")
  .addConditionalEdges(
    "agent",
    (state) => ((state.messages.at(-1) as AIMessage).tool_calls?.length ? "review" : END),
    ["review", END],
  )
  .addEdge("tools", "agent")
  .compile({ name: "tool_review" });
