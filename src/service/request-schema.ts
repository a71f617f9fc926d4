/**
 * One schema per request message (docs/api.md §10 "Refusals"): the JSON shape of each request, with proto field
 * names, including what lives inside its `google.protobuf.Struct` / `Value` fields (`config.tags`,
 * `config.configurable`, `input`, `command`), which protobuf itself does not type. The same schema is checked
 * twice over:
 * - on the REST body as sent, before the bridge converts it (`./rest/request.ts`), so a lone string is accepted
 *   only where the LangGraph API accepts one (`stream_mode: "values"`, `interrupt_before: "*"`, not
 *   `interrupt_before: "node_a"`);
 * - on every decoded request message of every protocol (gRPC, gRPC-Web, Connect, REST), through
 *   {@link withRequestSchemas}, after converting it to JSON, so a Struct built over gRPC is held to the same
 *   rules.
 * A request that fails is refused with InvalidArgument / 422 before anything is written; the message names the
 * field (`interrupt_before must be a list of node names or "*"`). Messages avoid `:` and `,`: connect-es
 * percent-encodes them in `grpc-message`, and grpc-js decodes with `decodeURI`, which leaves `%3A` / `%2C`. Unknown fields are allowed (ignored, as the
 * reference servers do). Messages without a schema here have only scalar or list fields, typed by protobuf.
 */
import { type DescMessage, type DescService, toJson } from "@bufbuild/protobuf";
import { z } from "zod";
import { InvalidInputError } from "./errors.js";

/** A JSON object (not a list, not null). */
const object = (what = "must be an object") =>
  z.record(z.string(), z.unknown(), { error: what }).refine((v) => !Array.isArray(v), { error: what });

const stringList = (what: string) =>
  z.array(z.string({ error: "must be a string" }), { error: `must be a list of ${what}` });

/** `interrupt_before` / `interrupt_after`: `"*"` or node names (the LangGraph API's `"*" | string[]`). */
const breakpoints = z.union([z.literal("*"), stringList("node names")], {
  error: 'must be a list of node names or "*"',
});

/** A lone string or a list of strings (REST `stream_mode: "values"`). */
const stringOrList = (what: string) =>
  z.union([z.string(), stringList(what)], { error: `must be a string or a list of ${what}` });

/**
 * `config` (RunnableConfig as the Agent Server's OpenAPI `Config` describes it): `tags: string[]`,
 * `recursion_limit: int ≥ 1`, `configurable: object`, plus `run_name`, `max_concurrency`, `metadata`; null is
 * the same as absent.
 */
const config = z.looseObject(
  {
    tags: stringList("strings").nullish(),
    recursion_limit: z
      .number({ error: "must be a positive integer" })
      .int({ error: "must be a positive integer" })
      .min(1, { error: "must be a positive integer" })
      .nullish(),
    configurable: object().nullish(),
    metadata: object().nullish(),
    run_name: z.string({ error: "must be a string" }).nullish(),
    max_concurrency: z.number({ error: "must be a number" }).int({ error: "must be an integer" }).nullish(),
  },
  { error: "must be an object" },
);

/** A node name or a Send `{node, input}`. */
const gotoTarget = z.union([z.string(), z.looseObject({ node: z.string() })]);

/** `command`: `resume` any JSON; `update` an object or `[key, value]` pairs; `goto` node(s) or Send(s). */
const command = z.looseObject(
  {
    update: z
      .union([object(), z.array(z.unknown())], {
        error: "must be an object or a list of [key value] pairs",
      })
      .nullish(),
    goto: z
      .union([gotoTarget, z.array(gotoTarget)], {
        error: "must be a node name or a Send object {node input} or a list of these",
      })
      .nullish(),
  },
  { error: "must be an object" },
);

const str = z.string({ error: "must be a string" });
const num = z.number({ error: "must be a number" });
const bool = z.boolean({ error: "must be a boolean" });

/** `CreateRunRequest`: the RunCreate body of every run route (docs/api.md §5). */
const createRun = z.looseObject({
  thread_id: str.optional(),
  assistant_id: str.optional(),
  input: object("must be an object or null").nullish(),
  command: command.nullish(),
  config: config.nullish(),
  context: object().nullish(),
  metadata: object().nullish(),
  checkpoint_id: str.nullish(),
  checkpoint: object().nullish(),
  interrupt_before: breakpoints.nullish(),
  interrupt_after: breakpoints.nullish(),
  stream_mode: stringOrList("stream modes").nullish(),
  stream_subgraphs: bool.nullish(),
  stream_resumable: bool.nullish(),
  multitask_strategy: str.nullish(),
  if_not_exists: str.nullish(),
  on_disconnect: str.nullish(),
  on_completion: str.nullish(),
  after_seconds: num.nullish(),
  webhook: str.nullish(),
  feedback_keys: stringOrList("strings").nullish(),
  durability: str.nullish(),
});

/** `CreateAssistantRequest` / `UpdateAssistantRequest`: `config` as on a run, `context` and `metadata` objects. */
const assistant = z.looseObject({
  config: config.nullish(),
  context: object().nullish(),
  metadata: object().nullish(),
});

/** `UpdateStateRequest`: `values` an object, a list of updates, or null. */
const updateState = z.looseObject({
  values: z
    .union([object(), z.array(z.unknown())], { error: "must be an object or a list or null" })
    .nullish(),
  as_node: str.nullish(),
  checkpoint_id: str.nullish(),
});

/** `GetHistoryRequest`: `before` a checkpoint id or `{configurable: {checkpoint_id}}`. */
const history = z.looseObject({
  before: z
    .union([str, object()], { error: "must be a checkpoint id or a config {configurable {checkpoint_id}}" })
    .nullish(),
  metadata: object().nullish(),
});

/** `CreateThreadRequest`: `supersteps` a list of `{updates: [{values, as_node}]}`; `metadata` an object. */
const createThread = z.looseObject({
  metadata: object().nullish(),
  supersteps: z
    .array(
      z.looseObject(
        {
          updates: z
            .array(z.looseObject({ as_node: str.nullish() }, { error: "must be an object" }), {
              error: "must be a list of updates",
            })
            .nullish(),
        },
        { error: "must be an object" },
      ),
      { error: "must be a list of supersteps" },
    )
    .nullish(),
});

/** Store requests (docs/store.md): namespaces are lists of labels, `value` and `filter` objects. */
const labels = stringList("labels").nullish();
const putItem = z.looseObject({
  namespace: labels,
  key: str.nullish(),
  value: object().nullish(),
  ttl: num.nullish(),
});
const searchItems = z.looseObject({
  namespace_prefix: labels,
  filter: object().nullish(),
  query: str.nullish(),
});
const listNamespaces = z.looseObject({ prefix: labels, suffix: labels });

/** `CreateCronRequest` / `UpdateCronRequest`: the run fields as on a run, `end_time` a string (or null to clear). */
const cron = createRun.extend({ end_time: str.nullish(), schedule: str.nullish(), timezone: str.nullish() });
/** `SearchCronsRequest` / `CountCronsRequest`: `metadata` an object. */
const cronFilter = z.looseObject({ metadata: object().nullish() });

/** The schema of each request message that has one, by full message name. */
const SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ["loom.v1.CreateRunRequest", createRun],
  ["loom.v1.CreateThreadRequest", createThread],
  ["loom.v1.CreateAssistantRequest", assistant],
  ["loom.v1.UpdateAssistantRequest", assistant],
  ["loom.v1.UpdateStateRequest", updateState],
  ["loom.v1.GetHistoryRequest", history],
  ["loom.v1.PutItemRequest", putItem],
  ["loom.v1.SearchItemsRequest", searchItems],
  ["loom.v1.ListNamespacesRequest", listNamespaces],
  ["loom.v1.CreateCronRequest", cron],
  ["loom.v1.UpdateCronRequest", cron],
  ["loom.v1.SearchCronsRequest", cronFilter],
  ["loom.v1.CountCronsRequest", cronFilter],
]);

/** `config.tags[0]`-style name of an issue's path (`""` for the message itself). */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Checks a request's JSON form (proto field names) against its message's schema; a message without one passes.
 * @throws InvalidInputError `"<field path> must be <what was expected>"`, with `field` the top-level field name.
 */
export function checkRequestJson(typeName: string, json: unknown): void {
  const schema = SCHEMAS.get(typeName);
  if (!schema) return;
  const result = schema.safeParse(json);
  if (result.success) return;
  const issue = result.error.issues[0];
  const path = fieldPath(issue?.path ?? []);
  const message = issue?.message ?? "is not valid";
  throw new InvalidInputError(
    path ? `${path} ${message}` : `Request ${message}`,
    String(issue?.path[0] ?? ""),
  );
}

/**
 * The request as JSON. A message that has no JSON form (a `google.protobuf.Value` with no kind set, which a gRPC
 * client can send) is refused naming its top-level field.
 * @throws InvalidInputError
 */
function requestJson(desc: DescMessage, message: unknown): unknown {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: `message` is a decoded message of `desc`.
    return toJson(desc, message as any, { useProtoFieldName: true });
  } catch (error) {
    const fields = message as Record<string, unknown>;
    const unreadable = (type: DescMessage, value: unknown) => {
      try {
        // biome-ignore lint/suspicious/noExplicitAny: `value` is a message of `type`.
        toJson(type, value as any);
        return false;
      } catch {
        return true;
      }
    };
    const bad = desc.fields.find((f) => {
      const value = fields[f.localName];
      // Struct fields are plain JSON objects in protobuf-es, not messages: they always have a JSON form.
      if (value === undefined || f.message?.typeName === "google.protobuf.Struct") return false;
      if (f.fieldKind === "message") return unreadable(f.message, value);
      if (f.fieldKind === "list" && f.listKind === "message") {
        return (value as unknown[]).some((item) => unreadable(f.message, item));
      }
      return false;
    });
    const why = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`${bad ? bad.name : "Request"} cannot be read (${why})`, bad?.name);
  }
}

/** Checks a decoded request message (any protocol) against its message's schema. @throws InvalidInputError */
export function checkRequestMessage(desc: DescMessage, message: unknown): void {
  if (!SCHEMAS.has(desc.typeName)) return;
  checkRequestJson(desc.typeName, requestJson(desc, message));
}

/**
 * Wraps each method of `impl` (a service implementation for `service`) so that its request is checked by
 * {@link checkRequestMessage} before the method runs: a unary call rejects, a stream throws on its first pull,
 * with InvalidInputError (mapped to InvalidArgument / 422 by the error mapping outside).
 */
export function withRequestSchemas<T extends object>(service: DescService, impl: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    if (typeof fn !== "function") continue;
    const method = service.methods.find((m) => m.localName === name);
    if (!method || !SCHEMAS.has(method.input.typeName)) {
      wrapped[name] = fn.bind(impl);
      continue;
    }
    wrapped[name] =
      method.methodKind === "server_streaming"
        ? // Checked when called, thrown before any part (the error mapping maps a throw of the call itself); no
          // generator of its own, so a held stream carries no frame of this layer.
          (...args: unknown[]) => {
            checkRequestMessage(method.input, args[0]);
            return fn.apply(impl, args) as AsyncIterable<unknown>;
          }
        : async (...args: unknown[]) => {
            checkRequestMessage(method.input, args[0]);
            return fn.apply(impl, args);
          };
  }
  return wrapped as T;
}
