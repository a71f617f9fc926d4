/**
 * A graph's context schema: what `ctx.context` must look like (LangGraph's `contextSchema`). Any Standard Schema
 * (https://standardschema.dev, the `~standard` interface zod 4, Valibot and ArkType implement) is accepted, so the
 * engine depends on no schema library. The types below are the spec's, copied as the spec recommends.
 */
import { InvalidContextError } from "./errors.js";

/**
 * A Standard Schema (v1) whose output type is `Output`; `~standard.jsonSchema` is the optional Standard JSON Schema
 * converter (zod 4 has it), from which `GET /assistants/{id}/schemas` publishes `context_schema`.
 */
export interface ContextSchema<Output = unknown> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
    readonly jsonSchema?: {
      readonly input: (options: { readonly target: string }) => Record<string, unknown>;
    };
  };
}

/** The result of a Standard Schema's `validate`: a value, or issues. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

/** One validation issue: a message and the path of the offending value. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The output type of context schema `C` (what nodes see as `ctx.context`). */
export type ContextOf<C> = C extends ContextSchema<infer O> ? O : never;

/** Whether `value` is a Standard Schema (has `~standard.validate`). */
export function isContextSchema(value: unknown): value is ContextSchema {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const props = (value as { "~standard"?: { validate?: unknown } })["~standard"];
  return typeof props?.validate === "function";
}

function pathOf(issue: StandardIssue): string {
  return (issue.path ?? [])
    .map((p) => String(typeof p === "object" && p !== null ? (p as { key: PropertyKey }).key : p))
    .join(".");
}

/**
 * Validates `context` against `schema` and returns the schema's output (defaults applied, unknown keys handled as
 * the schema says: a zod object drops them).
 * @throws InvalidContextError listing each issue as `<path>: <message>` (e.g. `user_id: Invalid input: expected
 *   string, received undefined`)
 */
export async function parseContext(
  schema: ContextSchema,
  context: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const result = await schema["~standard"].validate(context);
  if (result.issues) {
    throw new InvalidContextError(result.issues.map((i) => ({ path: pathOf(i), message: i.message })));
  }
  const value = result.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidContextError([{ path: "", message: "the context schema must produce an object" }]);
  }
  return value as Record<string, unknown>;
}

/**
 * The JSON Schema of what a client may send as context (the schema's input side, JSON Schema draft 2020-12), or
 * `undefined` when the schema library has no Standard JSON Schema converter or cannot convert this schema.
 */
export function contextJsonSchema(schema: ContextSchema): Record<string, unknown> | undefined {
  const converter = schema["~standard"].jsonSchema;
  if (!converter) return undefined;
  try {
    return converter.input({ target: "draft-2020-12" });
  } catch {
    // A schema with parts JSON Schema cannot express (a transform, a custom check) still validates; it is only
    // not published.
    return undefined;
  }
}
