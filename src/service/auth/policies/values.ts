/** Reading back what an authorization handler left in the event's value (handlers may rewrite it). */
import { Code, ConnectError } from "@connectrpc/connect";
import type { JsonObject } from "../../../engine/index.js";

/** Whether `v` is a JSON object (not null, not an array). */
export const isJsonObject = (v: unknown): v is JsonObject =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** `value.metadata` when the handler left an object there, else `undefined`. */
export const metadataOf = (value: Record<string, unknown>): JsonObject | undefined => {
  const m = value.metadata;
  return m !== null && typeof m === "object" && !Array.isArray(m) ? (m as JsonObject) : undefined;
};

/**
 * The namespace a store handler left in `value[field]`: a list of non-empty strings without "." (as the request's
 * own), else InvalidArgument naming the field. `undefined`/`null` is allowed where the request may omit it.
 */
export function namespaceAfterHandler(
  value: Record<string, unknown>,
  field: string,
  optional = false,
): string[] {
  const ns = value.namespace;
  if (optional && (ns === undefined || ns === null)) return [];
  if (!Array.isArray(ns) || !ns.every((l) => typeof l === "string" && l !== "" && !l.includes("."))) {
    throw new ConnectError(
      `${field}: the authorization handler left a namespace that is not a list of labels`,
      Code.InvalidArgument,
    );
  }
  return [...ns];
}

/** `value[key]` as a string when the handler left one there, else `fallback`. */
export const stringOr = (value: Record<string, unknown>, key: string, fallback: string): string =>
  typeof value[key] === "string" ? (value[key] as string) : fallback;

/** `value[key]` as an integer when the handler left one there, else `fallback`. */
export const intOr = (value: Record<string, unknown>, key: string, fallback: number | undefined) =>
  Number.isInteger(value[key]) ? (value[key] as number) : fallback;
