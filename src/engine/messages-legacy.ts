/**
 * The legacy `messages` stream mode as the LangGraph.js server derives it (docs/api.md §7): `messages/metadata`
 * `{<id>: {metadata}}` on the first chunk of a message, `messages/partial` `[<its chunks merged so far>]` on every
 * chunk, and `messages/complete` `[<messages>]` for the messages of a `values` event's `messages` key whose id
 * was not completed before (the input's messages included).
 */
import type { JsonObject, JsonValue } from "./checkpoint.js";
import type { Message } from "./messages.js";

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function concatContent(a: Message["content"], b: Message["content"]): Message["content"] {
  if (typeof a === "string" && typeof b === "string") return a + b;
  const list = (c: Message["content"]): JsonValue[] =>
    typeof c === "string" ? (c ? [{ type: "text", text: c }] : []) : c;
  return [...list(a), ...list(b)];
}

/** Tool-call chunks merged by `index`: `args` and `name` strings concatenated, the first `id` kept. */
function concatToolCallChunks(a: JsonValue, b: JsonValue): JsonValue[] {
  const out = (Array.isArray(a) ? a : []).map((c) => (isObject(c) ? { ...c } : c));
  for (const c of Array.isArray(b) ? b : []) {
    const same =
      isObject(c) && c.index != null ? out.find((o) => isObject(o) && o.index === c.index) : undefined;
    if (!isObject(same) || !isObject(c)) {
      out.push(c);
      continue;
    }
    for (const key of ["name", "args"] as const) {
      const x = same[key];
      const y = c[key];
      if (typeof y === "string") same[key] = typeof x === "string" ? x + y : y;
    }
    if (same.id == null && c.id != null) same.id = c.id;
  }
  return out;
}

/**
 * Two chunks of one message as one (LangChain's `AIMessageChunk.concat`, simplified): contents concatenated,
 * `tool_call_chunks` merged by index, `additional_kwargs` and `response_metadata` shallow-merged, other fields
 * from the later chunk when it has them.
 */
export function concatMessageChunks(a: Message, b: Message): Message {
  const out: Message = { ...a, ...b, id: a.id };
  out.content = concatContent(a.content, b.content);
  out.additional_kwargs = { ...a.additional_kwargs, ...b.additional_kwargs };
  out.response_metadata = { ...a.response_metadata, ...b.response_metadata };
  if (a.tool_call_chunks !== undefined || b.tool_call_chunks !== undefined) {
    out.tool_call_chunks = concatToolCallChunks(a.tool_call_chunks ?? [], b.tool_call_chunks ?? []);
  }
  return out;
}

/** The state of the legacy `messages` mode of one run (see the module comment). */
export interface LegacyMessages {
  /** A `values` event: completes its `messages` not completed before. */
  values(data: JsonValue): void;
  /** A streamed chunk. */
  chunk(message: Message, metadata: JsonObject): void;
}

/** Where the legacy mode sends its events. */
export type LegacyMessagesSink = (
  mode: "messages/metadata" | "messages/partial" | "messages/complete",
  data: JsonValue,
) => void;

/** The legacy `messages` mode over `emit`. */
export function createLegacyMessages(emit: LegacyMessagesSink): LegacyMessages {
  const partial = new Map<string, Message>();
  const completed = new Set<string>();
  return {
    values(data) {
      if (!isObject(data)) return;
      const raw = data.messages;
      const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
      const fresh: JsonValue[] = [];
      for (const m of list) {
        if (!isObject(m) || typeof m.id !== "string" || m.id === "" || completed.has(m.id)) continue;
        completed.add(m.id);
        fresh.push(m);
      }
      if (fresh.length > 0) emit("messages/complete", fresh);
    },
    chunk(message, metadata) {
      const before = partial.get(message.id);
      if (!before) emit("messages/metadata", { [message.id]: { metadata } });
      const merged = before ? concatMessageChunks(before, message) : message;
      partial.set(message.id, merged);
      emit("messages/partial", [merged]);
    },
  };
}
