/**
 * LangChain/LangGraph.js objects → plain JSON for the API (values, stream payloads, interrupts). A LangChain message
 * becomes its wire shape `{type, content, id, tool_calls, tool_call_id, ...}` (what the LangGraph.js dev server and
 * the SDKs show); internal configurable keys (`__pregel_*`) are dropped; `undefined` fields are left out.
 */
import type { JsonValue } from "../../engine/index.js";

interface MessageLike {
  toDict(): { type: string; data: Record<string, unknown> };
}

/** Whether `value` is a LangChain message (a `BaseMessage` or chunk), judged without importing `@langchain/core`. */
export function isMessage(value: unknown): value is MessageLike {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { toDict?: unknown }).toDict === "function" &&
    typeof (value as { getType?: unknown }).getType === "function"
  );
}

/** The wire shape of a message: its `toDict()` data with `type` (`"human"`, `"ai"`, `"tool"`, …). */
export function messageJson(message: MessageLike): JsonValue {
  const { type, data } = message.toDict();
  return toJson({ ...data, type });
}

/** `value` as JSON (see the module doc). Cycles are not expected (LangGraph state is a tree). */
export function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return null;
  if (Array.isArray(value)) return value.map(toJson);
  if (isMessage(value)) return messageJson(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return { error: value.name, message: value.message };
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Map) return toJson(Object.fromEntries(value));
  if (value instanceof Set) return toJson([...value]);
  const out: Record<string, JsonValue> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function" || key.startsWith("__pregel_")) continue;
    out[key] = toJson(v);
  }
  return out;
}
