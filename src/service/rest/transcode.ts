/**
 * `google.api.http` transcoding of the REST bridge: a request message from path variables, query and JSON body,
 * and a response message (or stream part) as snake_case JSON with implicit fields emitted.
 */
import { create, type DescMessage, type JsonValue, toJson } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { pickSelected } from "../select.js";
import { parseJsonBody, readBody, requireJsonContentType } from "./body.js";
import type { Req } from "./http.js";
import { buildRequest } from "./request.js";
import type { RestRoute } from "./routes.js";
import { formatSseEvent } from "./sse.js";

const JSON_OPTS = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;
const STRUCT = "google.protobuf.Struct";

/**
 * The route's request message: the body (unless the route takes none, at most `bodyLimitBytes`), the query and
 * the path variables. Unknown fields are ignored.
 * @throws BodyRefusedError (413 too large, 415 not JSON, 400/422 malformed), InvalidInputError from `buildRequest`
 */
export async function decodeRequest(
  req: Req,
  route: RestRoute,
  vars: Record<string, string>,
  url: URL,
  bodyLimitBytes: number,
): Promise<unknown> {
  const raw = route.body === "" ? undefined : await readBody(req, bodyLimitBytes);
  // Only a body is checked: a bodiless POST (cancel, join) may carry any content type, or none.
  if (raw && raw.length > 0) requireJsonContentType(req.headers["content-type"]);
  return buildRequest(route.method.input, {
    body: route.body,
    json: raw ? parseJsonBody(raw) : undefined,
    query: url.searchParams,
    vars,
  });
}

function responseJson(route: RestRoute, output: DescMessage, msg: unknown): JsonValue {
  // biome-ignore lint/suspicious/noExplicitAny: msg is a message of `output`, created by `create`.
  const json = toJson(output, msg as any, JSON_OPTS) as Record<string, JsonValue>;
  if (!route.responseBody) return json;
  return json[route.responseBody] ?? null;
}

/**
 * The JSON body of a unary answer `out` (an init shape of the method's output): the `response_body` field alone
 * when the route names one, trimmed to the request's `select` (searches). Not for an empty answer
 * ({@link isEmptyResponse}).
 */
export function encodeResponse(route: RestRoute, request: unknown, out: unknown): unknown {
  const output = route.method.output;
  // biome-ignore lint/suspicious/noExplicitAny: the implementation returns an init shape of `output`.
  const msg = create(output, out as any);
  // `select` (searches): the service cleared the other fields; REST leaves them out.
  const select = (request as { select?: unknown }).select;
  return pickSelected(responseJson(route, output, msg), Array.isArray(select) ? select : []);
}

/** Whether the method answers `google.protobuf.Empty`, which REST answers 204 without a body. */
export function isEmptyResponse(route: RestRoute): boolean {
  return route.method.output.typeName === EmptySchema.typeName;
}

/**
 * Whether the route is a long poll (docs/api.md §6): its `response_body` is a `google.protobuf.Struct` field, the
 * wait body of `runs/wait` and `join`.
 */
export function isLongPoll(route: RestRoute): boolean {
  const field = route.responseBody
    ? route.method.output.fields.find((f) => f.name === route.responseBody)
    : undefined;
  return field?.fieldKind === "message" && field.message.typeName === STRUCT;
}

/**
 * SSE frames by part object: a part shared by many streams (one run event fanned out to every reader of the
 * run, `src/service/runs/stream-parts.ts`) is formatted once. Held only as long as the part itself.
 */
const sseFrames = new WeakMap<object, string>();

function formatPart(output: DescMessage, part: unknown): string {
  // biome-ignore lint/suspicious/noExplicitAny: parts are init shapes of `output`.
  const json = toJson(output, create(output, part as any), JSON_OPTS) as Record<string, JsonValue>;
  const event = typeof json.event === "string" ? json.event : "data";
  const id = typeof json.id === "string" ? json.id : "";
  return formatSseEvent({ event, data: "event" in json ? json.data : json, id });
}

/**
 * The SSE frame of a stream part (docs/api.md §7): a part with `event` becomes that event with its `data` and `id`;
 * any other message is a `data` event of the whole message.
 */
export function partFrame(output: DescMessage, part: unknown): string {
  if (typeof part !== "object" || part === null) return formatPart(output, part);
  let frame = sseFrames.get(part);
  if (frame === undefined) {
    frame = formatPart(output, part);
    sseFrames.set(part, frame);
  }
  return frame;
}
