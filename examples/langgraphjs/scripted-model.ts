/**
 * `ScriptedChatModel`: a deterministic tool-calling chat model for the LangGraph.js examples (no network, no
 * keys). `@langchain/core`'s testing models do not fit an agent: `FakeListChatModel` cannot emit tool calls, and
 * `FakeStreamingChatModel` repeats the same scripted chunks on every turn. This one reads its script off the
 * conversation, so it is stateless (any thread, any worker, any replay gets the same answer):
 *
 * - last message human: call the bound tools the question names — `weather in <City>` → `get_weather({city})`,
 *   `<a> + <b>` → `add({a, b})`; with no such phrase it answers in text;
 * - last message a tool result: answer in text from the tool messages since the last AI message (a tool message
 *   with `status: "error"`, e.g. a reviewer's rejection, becomes "I did not run <tool> (<reason>).").
 *
 * A text answer streams word by word (`_streamResponseChunks`), so `messages-tuple` shows several chunks.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import {
  BaseChatModel,
  type BaseChatModelParams,
  type BindToolsInput,
} from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage, type ToolMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

/** What the model says next: tool calls, or a text answer as the tokens it streams. */
export interface ScriptedTurn {
  toolCalls: ToolCall[];
  tokens: string[];
}

function text(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : JSON.stringify(message.content);
}

/** The tool calls a question asks for, among the tools in `bound`; ids continue after the `previous` calls. */
function planToolCalls(question: string, bound: ReadonlySet<string>, previous: number): ToolCall[] {
  const calls: Array<Omit<ToolCall, "id">> = [];
  if (bound.has("get_weather")) {
    for (const m of question.matchAll(/weather in ([A-Z][\w-]*)/g)) {
      calls.push({ name: "get_weather", args: { city: m[1] }, type: "tool_call" });
    }
  }
  if (bound.has("add")) {
    for (const m of question.matchAll(/(-?\d+(?:\.\d+)?)\s*\+\s*(-?\d+(?:\.\d+)?)/g)) {
      calls.push({ name: "add", args: { a: Number(m[1]), b: Number(m[2]) }, type: "tool_call" });
    }
  }
  // Ids unique within the thread: ToolNode skips a call whose id already has a tool message.
  return calls.map((call, i) => ({ ...call, id: `call_${previous + i + 1}` }));
}

/**
 * The scripted next turn for `messages` (see the module comment); pure.
 * @param bound names of the tools bound with `bindTools`; the model calls no other.
 */
export function scriptedTurn(messages: BaseMessage[], bound: ReadonlySet<string>): ScriptedTurn {
  const last = messages.at(-1);
  const words = (answer: string) => ({ toolCalls: [], tokens: answer.split(/(?<= )/) });
  if (last?.getType() === "tool") {
    const since = messages.findLastIndex((m) => m.getType() === "ai");
    const results = (messages.slice(since + 1) as ToolMessage[]).map((m) =>
      m.status === "error" ? `I did not run ${m.name ?? "the tool"} (${text(m)}).` : text(m),
    );
    return words(results.join(" "));
  }
  const previous = messages.reduce((n, m) => n + ((m as AIMessage).tool_calls?.length ?? 0), 0);
  const calls = last?.getType() === "human" ? planToolCalls(text(last), bound, previous) : [];
  if (calls.length > 0) return { toolCalls: calls, tokens: [] };
  return words("I can tell you the weather in a city, or add two numbers.");
}

/** Constructor options: `tools` are the names of bound tools (what `bindTools` sets). */
export interface ScriptedChatModelFields extends BaseChatModelParams {
  tools?: string[];
}

/** The scripted model; `bindTools` returns a copy that may call those tools. */
export class ScriptedChatModel extends BaseChatModel {
  readonly toolNames: string[];

  constructor(fields: ScriptedChatModelFields = {}) {
    super(fields);
    this.toolNames = fields.tools ?? [];
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(tools: BindToolsInput[]): ScriptedChatModel {
    const names = tools.map((t) => (t as { name?: string }).name ?? "").filter((n) => n !== "");
    return new ScriptedChatModel({ tools: [...this.toolNames, ...names] });
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const turn = scriptedTurn(messages, new Set(this.toolNames));
    const content = turn.tokens.join("");
    return {
      generations: [{ text: content, message: new AIMessage({ content, tool_calls: turn.toolCalls }) }],
    };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const turn = scriptedTurn(messages, new Set(this.toolNames));
    if (turn.toolCalls.length > 0) {
      const tool_call_chunks = turn.toolCalls.map((call, index) => ({
        name: call.name,
        args: JSON.stringify(call.args),
        id: call.id,
        index,
        type: "tool_call_chunk" as const,
      }));
      yield new ChatGenerationChunk({
        text: "",
        message: new AIMessageChunk({ content: "", tool_call_chunks }),
      });
      return;
    }
    for (const token of turn.tokens) {
      const chunk = new ChatGenerationChunk({ text: token, message: new AIMessageChunk({ content: token }) });
      yield chunk;
      await runManager?.handleLLMNewToken(token, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}
