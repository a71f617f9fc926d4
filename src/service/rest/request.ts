/**
 * Builds an RPC request message from an HTTP request per http.proto semantics (stack-notes.md Q6):
 * - `body: "*"`: the JSON body is the message; query parameters are ignored.
 * - `body: "<field>"`: the body fills that field; other fields come from query parameters.
 * - no body: query parameters only, coerced by field type (numbers, booleans "true"/"1", repeated fields from
 *   repeated parameters or a JSON-encoded array, as the LangGraph SDK sends them; maps and messages as JSON).
 * Path variables are applied last. Unknown fields are ignored (the reference servers strip them). A string
 * given for a repeated string field becomes a one-element list (`"interrupt_before": "*"`, `"stream_mode":
 * "values"`).
 */
import {
  type DescField,
  type DescMessage,
  fromJson,
  type JsonValue,
  type MessageShape,
  ScalarType,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { InvalidInputError } from "../errors.js";
import { checkRequestJson } from "../request-schema.js";

function fieldByName(desc: DescMessage, name: string): DescField | undefined {
  return desc.fields.find((f) => f.name === name || f.jsonName === name);
}

/** 64-bit integers stay strings in proto3 JSON. */
const LONG_TYPES: ReadonlySet<ScalarType> = new Set([
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
  ScalarType.SINT64,
]);

function coerceScalar(field: DescField, raw: string): JsonValue {
  if (field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")) {
    const t = field.scalar;
    if (t === ScalarType.BOOL) return raw === "1" || raw.toLowerCase() === "true";
    if (t === ScalarType.STRING || t === ScalarType.BYTES || LONG_TYPES.has(t)) return raw;
    const n = Number(raw);
    return Number.isNaN(n) ? raw : n;
  }
  return raw;
}

/** Query parameters → a JSON object for `desc`, coerced by field type; unknown keys dropped. */
export function queryToJson(desc: DescMessage, query: URLSearchParams): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const key of new Set(query.keys())) {
    const field = fieldByName(desc, key);
    if (!field) continue;
    const values = query.getAll(key);
    if (field.fieldKind === "list") {
      const items: JsonValue[] = [];
      for (const v of values) {
        const parsed = v.startsWith("[") ? tryJson(v) : undefined;
        if (Array.isArray(parsed)) items.push(...parsed);
        else items.push(coerceScalar(field, v));
      }
      out[field.name] = items;
    } else if (field.fieldKind === "map" || field.fieldKind === "message") {
      // A map or message in the query is JSON (`?extract={"a":"metadata.x"}`); else left to the schema's refusal.
      const raw = values[values.length - 1] as string;
      out[field.name] = tryJson(raw) ?? raw;
    } else {
      out[field.name] = coerceScalar(field, values[values.length - 1] as string);
    }
  }
  return out;
}

function tryJson(s: string): JsonValue | undefined {
  try {
    return JSON.parse(s) as JsonValue;
  } catch {
    return undefined;
  }
}

/**
 * Renames top-level keys given by JSON name (`interruptBefore`) to the proto name (`interrupt_before`), which
 * protobuf-es reads as well, so the request schema sees one name per field.
 */
function protoNames(desc: DescMessage, json: Record<string, JsonValue>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(json)) out[fieldByName(desc, key)?.name ?? key] = value;
  return out;
}

/** The message's request schema (`../request-schema.ts`) on the body as sent, as a ConnectError InvalidArgument. */
function checkSchema(desc: DescMessage, json: Record<string, JsonValue>): void {
  try {
    checkRequestJson(desc.typeName, json);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ConnectError(error.message, Code.InvalidArgument);
    throw error;
  }
}

/**
 * Wraps a lone string given for a repeated string field into a list (top-level fields only); the request schema
 * has already refused a lone string where the API takes none.
 */
function liftScalarsToLists(desc: DescMessage, json: Record<string, JsonValue>): void {
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByName(desc, key);
    if (field?.fieldKind === "list" && field.listKind === "scalar" && typeof value === "string") {
      json[key] = [value];
    }
  }
}

/**
 * The items of a repeated message field (the payloads of `POST /runs/batch`) get the top-level treatment too: JSON
 * names renamed to proto names (the JS SDK sends `assistantId` beside `assistant_id`, which protobuf-es would read
 * as the same field set twice) and lone strings lifted to lists (`stream_mode: "values"`).
 */
function normaliseListItems(desc: DescMessage, json: Record<string, JsonValue>): void {
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByName(desc, key);
    if (field?.fieldKind !== "list" || field.listKind !== "message" || !Array.isArray(value)) continue;
    const item = field.message;
    json[key] = value.map((v) => {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
      const named = protoNames(item, v);
      liftScalarsToLists(item, named);
      return named;
    });
  }
}

function setPath(json: Record<string, JsonValue>, dotted: string, value: string): void {
  const parts = dotted.split(".");
  let target = json;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (next === null || typeof next !== "object" || Array.isArray(next)) target[part] = {};
    target = target[part] as Record<string, JsonValue>;
  }
  target[parts[parts.length - 1] as string] = value;
}

/** Inputs of {@link buildRequest}. */
export interface RequestParts {
  /** The rule's `body`: "*", a field name, or "". */
  body: string;
  /** Parsed JSON body (`undefined` when empty). */
  json: JsonValue | undefined;
  query: URLSearchParams;
  /** Path variables by (dotted) field path. */
  vars: Record<string, string>;
}

/**
 * Builds the request message.
 * @throws ConnectError InvalidArgument when the body is not an object (for `body: "*"`) or a field has the
 *   wrong type; the message names the field.
 */
export function buildRequest<D extends DescMessage>(desc: D, parts: RequestParts): MessageShape<D> {
  let json: Record<string, JsonValue>;
  if (parts.body === "*") {
    if (parts.json === undefined) json = {};
    else if (parts.json === null) {
      throw new ConnectError("Request body must be a JSON object, not null", Code.InvalidArgument);
    } else if (typeof parts.json !== "object" || Array.isArray(parts.json)) {
      throw new ConnectError("Request body must be a JSON object", Code.InvalidArgument);
    } else json = { ...parts.json };
  } else {
    json = queryToJson(desc, parts.query);
    if (parts.body !== "" && parts.json !== undefined) json[parts.body] = parts.json;
  }
  json = protoNames(desc, json);
  checkSchema(desc, json);
  liftScalarsToLists(desc, json);
  normaliseListItems(desc, json);
  for (const [path, value] of Object.entries(parts.vars)) setPath(json, path, value);
  try {
    return fromJson(desc, json, { ignoreUnknownFields: true });
  } catch (error) {
    throw new ConnectError(describeJsonError(error), Code.InvalidArgument);
  }
}

/** protobuf-es says `cannot decode field loom.v1.X.limit from JSON: "x"`; keep the field's short name. */
function describeJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const m = /cannot decode (?:field|message) ([\w.]+) from JSON: (.*)$/s.exec(message);
  if (!m) return `Invalid request body: ${message}`;
  const name = (m[1] as string).split(".").pop();
  return `Invalid value for field '${name}': ${m[2]}`;
}
