/**
 * Chat messages as plain JSON in LangChain's wire shape, and LangGraph's `add_messages` reducer
 * (`messagesStateReducer` of LangGraph.js): merge by id, ids assigned to messages without one, `RemoveMessage` by
 * id, remove-all. No LangChain classes: a message is the object `BaseMessage.toDict()` describes,
 * `{type, content, id, name?, tool_calls?, tool_call_id?, additional_kwargs, response_metadata, ...}`.
 *
 * ```ts
 * const graph = new StateGraph({ ...MessagesAnnotation, turns: lastValue<number>() })
 *   .addNode("chat", (state) => ({ messages: [{ role: "assistant", content: "hi" }] }))
 * ```
 */
import { randomUUID } from "node:crypto";
import type { ChannelSpec } from "./channels.js";
import type { JsonObject, JsonValue } from "./checkpoint.js";
import { InvalidUpdateError } from "./errors.js";

/** Message types of the wire shape (`BaseMessage._getType()`). */
export type MessageType = "human" | "ai" | "system" | "tool" | "remove";

/** A tool call of an AI message: `{name, args, id, type: "tool_call"}`. */
export type ToolCall = { name: string; args: JsonObject; id: string | null; type: "tool_call" };

/**
 * A message in LangChain's wire shape. `content` is a string or a list of content blocks. AI messages carry
 * `tool_calls` and `invalid_tool_calls` (default `[]`), tool messages `tool_call_id`. Other fields given by the
 * author (`usage_metadata`, `artifact`, `status`, `example`…) are kept as they are.
 */
export type Message = {
  type: MessageType;
  content: string | JsonValue[];
  id: string;
  additional_kwargs: JsonObject;
  response_metadata: JsonObject;
  [field: string]: JsonValue;
};

/**
 * What a node, a run input or `update_state` may write to a messages key, as LangGraph accepts it: a message
 * object (`type` or `role`: `human`/`user`, `ai`/`assistant`, `system`, `developer`, `tool`, `remove`, or a
 * class name such as `AIMessage` / `AIMessageChunk`), a string (a human message), a `[role, content]` pair, or a
 * LangChain serialized constructor `{lc: 1, type: "constructor", id: [..., "AIMessage"], kwargs}`.
 */
export type MessageLike = string | JsonValue[] | JsonObject;

/**
 * The id of a `RemoveMessage` that removes every earlier message (`REMOVE_ALL_MESSAGES` of LangGraph): the
 * update then keeps only the messages that follow it.
 */
export const REMOVE_ALL_MESSAGES = "__remove_all__";

/** A `RemoveMessage` for `id` (or `REMOVE_ALL_MESSAGES`): `{type: "remove", id, content: ""}`. */
export function removeMessage(id: string): Message {
  return { type: "remove", content: "", id, additional_kwargs: {}, response_metadata: {} };
}

const TYPE_ALIASES: Readonly<Record<string, MessageType>> = {
  human: "human",
  user: "human",
  ai: "ai",
  assistant: "ai",
  system: "system",
  developer: "system",
  tool: "tool",
  remove: "remove",
  HumanMessage: "human",
  HumanMessageChunk: "human",
  AIMessage: "ai",
  AIMessageChunk: "ai",
  SystemMessage: "system",
  SystemMessageChunk: "system",
  ToolMessage: "tool",
  ToolMessageChunk: "tool",
  RemoveMessage: "remove",
};

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function coercionError(like: unknown, why: string): InvalidUpdateError {
  return new InvalidUpdateError(`Unable to coerce message from ${JSON.stringify(like)}: ${why}`, "messages");
}

/** An OpenAI-style `{id, type: "function", function: {name, arguments}}` or a LangChain tool call → `ToolCall`. */
function toolCall(raw: JsonValue, like: unknown): ToolCall {
  if (!isObject(raw)) throw coercionError(like, "a tool call must be an object");
  const fn = raw.function;
  if (raw.type === "function" && isObject(fn) && typeof fn.name === "string") {
    let args: JsonValue = {};
    if (typeof fn.arguments === "string") {
      try {
        args = JSON.parse(fn.arguments) as JsonValue;
      } catch {
        throw coercionError(like, `tool call ${JSON.stringify(raw.id)} has arguments that are not JSON`);
      }
    }
    return {
      name: fn.name,
      args: isObject(args) ? args : {},
      id: typeof raw.id === "string" ? raw.id : null,
      type: "tool_call",
    };
  }
  if (typeof raw.name !== "string") throw coercionError(like, "a tool call needs a name");
  return {
    name: raw.name,
    args: isObject(raw.args) ? raw.args : {},
    id: typeof raw.id === "string" ? raw.id : null,
    type: "tool_call",
  };
}

function fromFields(type: string, fields: JsonObject, like: unknown): Message {
  const kind = Object.hasOwn(TYPE_ALIASES, type) ? TYPE_ALIASES[type] : undefined;
  if (!kind) {
    throw coercionError(
      like,
      `unknown message type '${type}' (human, user, ai, assistant, system, developer, tool, remove)`,
    );
  }
  const { type: _type, role: _role, content, id, additional_kwargs, response_metadata, ...rest } = fields;
  const out: Message = {
    ...rest,
    type: kind,
    content:
      typeof content === "string" || Array.isArray(content)
        ? content
        : content == null
          ? ""
          : String(content),
    id: typeof id === "string" && id !== "" ? id : "",
    additional_kwargs: isObject(additional_kwargs) ? { ...additional_kwargs } : {},
    response_metadata: isObject(response_metadata) ? response_metadata : {},
  };
  if (type === "developer") out.additional_kwargs.__openai_role__ = "developer";
  if (typeof fields.name !== "string") delete out.name;
  if (kind === "ai") {
    out.tool_calls = Array.isArray(rest.tool_calls) ? rest.tool_calls.map((c) => toolCall(c, like)) : [];
    out.invalid_tool_calls = Array.isArray(rest.invalid_tool_calls) ? rest.invalid_tool_calls : [];
  }
  if (kind === "tool" && typeof rest.tool_call_id !== "string") {
    throw coercionError(like, "a tool message needs a string tool_call_id");
  }
  if (kind === "remove" && out.id === "") throw coercionError(like, "a remove message needs an id");
  return out;
}

/**
 * One message-like value → a `Message` (a new object; `id` is `""` when the value has none). The rules of
 * LangChain's `coerceMessageLikeToMessage`: a string is a human message, `[role, content]` a message of that
 * role, an object with `role` or `type` a message of that type, a serialized constructor its class.
 * @throws InvalidUpdateError (channel `messages`) for anything else, an unknown type, a tool message without
 *   `tool_call_id`, a remove message without `id`.
 */
export function coerceMessage(like: unknown): Message {
  if (typeof like === "string") return fromFields("human", { content: like }, like);
  if (Array.isArray(like)) {
    const [role, content] = like;
    if (like.length !== 2 || typeof role !== "string") {
      throw coercionError(like, "a list must be a [role, content] pair");
    }
    return fromFields(role, { content: content ?? "" }, like);
  }
  if (!isObject(like)) throw coercionError(like, "expected a string, a [role, content] pair or an object");
  if (like.lc === 1 && like.type === "constructor" && Array.isArray(like.id) && isObject(like.kwargs)) {
    const className = like.id[like.id.length - 1];
    return fromFields(typeof className === "string" ? className : "", like.kwargs, like);
  }
  if (typeof like.role === "string") return fromFields(like.role, like, like);
  if (typeof like.type === "string") return fromFields(like.type, like, like);
  throw coercionError(like, "a message object needs a type or a role");
}

/** `coerceMessage`, then a new uuid (v4) as `id` when the message has none. */
function withId(like: unknown): Message {
  const m = coerceMessage(like);
  if (m.id === "") m.id = randomUUID();
  return m;
}

/** A list is a list of messages (as in LangGraph, a bare `[role, content]` pair is two messages). */
function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Normalises a write to a messages key before it is stored: every message coerced to the wire shape, ids
 * assigned. A list stays a list, one message stays one message. Storing the normalised write keeps ids stable:
 * the stream, the pending writes and the state all show the same id.
 * @throws InvalidUpdateError as `coerceMessage`
 */
export function prepareMessages(update: unknown): Message | Message[] {
  return Array.isArray(update) ? update.map(withId) : withId(update);
}

/**
 * LangGraph's `add_messages` (`messagesStateReducer`, docs/semantics.md §1.1 reducers):
 * 1. both sides are coerced to messages (single values become lists); messages without an id get a uuid;
 * 2. if the update holds a remove message with id `REMOVE_ALL_MESSAGES`, the result is the messages after the
 *    last such marker;
 * 3. otherwise an update message whose id is already present replaces it in place, a remove message drops it,
 *    any other message is appended.
 * Pure: neither argument is modified.
 * @throws InvalidUpdateError "Attempting to delete a message with an ID that doesn't exist ('<id>')" for a
 *   remove message whose id is not present (LangGraph's message), or a value that is not message-like.
 */
export function messagesStateReducer(current: unknown, update: unknown): Message[] {
  const left = asList(current).map(withId);
  const right = asList(update).map(withId);
  let removeAll = -1;
  right.forEach((m, i) => {
    if (m.type === "remove" && m.id === REMOVE_ALL_MESSAGES) removeAll = i;
  });
  if (removeAll >= 0) return right.slice(removeAll + 1);
  const merged = [...left];
  const index = new Map(merged.map((m, i) => [m.id, i]));
  const removed = new Set<string>();
  for (const m of right) {
    const at = index.get(m.id);
    if (at !== undefined) {
      if (m.type === "remove") removed.add(m.id);
      else {
        removed.delete(m.id);
        merged[at] = m;
      }
    } else {
      if (m.type === "remove") {
        throw new InvalidUpdateError(
          `Attempting to delete a message with an ID that doesn't exist ('${m.id}')`,
          "messages",
        );
      }
      index.set(m.id, merged.length);
      merged.push(m);
    }
  }
  return removed.size > 0 ? merged.filter((m) => !removed.has(m.id)) : merged;
}

/**
 * A messages key: `add_messages` semantics (`messagesStateReducer`), default `[]`, writes normalised before they
 * are stored (`prepareMessages`), and the messages a node writes are streamed (`messages-tuple` / `messages`).
 */
export function messagesChannel(): ChannelSpec<Message[], MessageLike | MessageLike[]> {
  return {
    reducer: messagesStateReducer,
    default: () => [],
    prepare: prepareMessages,
    messages: true,
  };
}

/**
 * The state schema of a chat graph (LangGraph's `MessagesAnnotation`): `{messages: messagesChannel()}`. Spread
 * it to add keys: `new StateGraph({ ...MessagesAnnotation, summary: lastValue<string>() })`.
 */
export const MessagesAnnotation = { messages: messagesChannel() };
