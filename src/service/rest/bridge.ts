/**
 * The REST bridge: a `connectNodeAdapter` fallback that serves every `google.api.http` route of the given
 * services by calling the same service implementations Connect and gRPC use (stack-notes.md Q6).
 *
 * - JSON in and out in snake_case; unknown request fields ignored; `response_body` selects one response field
 *   (bare arrays, integers, the wait body); `google.protobuf.Empty` answers 204.
 * - Server-streaming methods answer SSE (docs/api.md §7): headers wait for the first part (or `openStream`), so an
 *   early error is a real HTTP error; later errors become a final `error` event; `: heartbeat` comments while idle.
 * - Headers a service sets on `ctx.responseHeader` (e.g. `Content-Location`) are sent with the response.
 * - Errors are `{"detail": "<message>"}`: the body refusals of `./body.ts` (400 malformed JSON, 413 over
 *   `bodyLimitBytes`, 415 not JSON, 422 not UTF-8 or a `__proto__` key), 404 unknown route, 405 wrong verb,
 *   otherwise the status of {@link restStatusForCode}.
 */
import { create, type DescMessage, type DescService, type JsonValue, toJson } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import type { NodeHandler } from "../../server/one-port.js";
import { RETRY_AFTER_HEADER, RETRY_AFTER_SECONDS, restStatusOverride } from "../errors.js";
import { pickSelected } from "../select.js";
import { STREAM_OPEN } from "../stream-open.js";
import { BodyRefusedError, parseJsonBody, readBody, requireJsonContentType } from "./body.js";
import { restStatusForCode } from "./http-status.js";
import { buildRequest } from "./request.js";
import { buildRouteTable, type RestRoute } from "./routes.js";
import { createSseHeartbeats, formatSseEvent, SSE_HEADERS, SSE_HEARTBEAT } from "./sse.js";

/** A service descriptor with its implementation (the object passed to `router.service`). */
export interface BoundService {
  service: DescService;
  // biome-ignore lint/suspicious/noExplicitAny: implementations are looked up by method name at run time.
  impl: Record<string, (...args: any[]) => any>;
}

/** Options of {@link createRestBridge}. */
export interface RestBridgeOptions {
  services: readonly BoundService[];
  /** Largest request body; larger gets 413. */
  bodyLimitBytes: number;
  /** Interval of SSE heartbeat comments. @default 5000 */
  heartbeatMs?: number;
  /**
   * Long-poll keep-alive (docs/api.md §6): when a route's `response_body` is a `google.protobuf.Struct` field
   * (the wait body of `runs/wait` and `join`) and the answer takes longer than this, the bridge commits to 200,
   * sends a `\n` every interval (JSON clients skip leading whitespace) and then the body; an error after that
   * point is sent as `{"__error__": {"error": <code>, "message"}}`. 0 disables it. @default 5000
   */
  keepAliveMs?: number;
  /** Called with errors that are not ConnectErrors (the bridge's own failures), which answer 500. */
  onInternalError?: (error: unknown, route: string) => void;
}

type Req = Parameters<NodeHandler>[0];
type Res = Parameters<NodeHandler>[1];

const JSON_OPTS = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;
const STRUCT = "google.protobuf.Struct";
/** Marks a unary call whose late failure was already answered in-band. */
const LATE = Symbol("late");

/**
 * SSE frames by part object: a part shared by many streams (one run event fanned out to every reader of the
 * run, `src/service/runs/service.ts`) is formatted once. Held only as long as the part itself.
 */
const sseFrames = new WeakMap<object, string>();

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function requestHeaders(req: Req): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith(":") || v === undefined) continue;
    h.set(k, Array.isArray(v) ? v.join(", ") : String(v));
  }
  return h;
}

function responseJson(route: RestRoute, output: DescMessage, msg: unknown): JsonValue {
  // biome-ignore lint/suspicious/noExplicitAny: msg is a message of `output`, created by `create`.
  const json = toJson(output, msg as any, JSON_OPTS) as Record<string, JsonValue>;
  if (!route.responseBody) return json;
  return json[route.responseBody] ?? null;
}

function errorDetail(error: unknown): { status: number; detail: string; code: Code; retryAfter: string } {
  const ce = ConnectError.from(error);
  return {
    status: restStatusOverride(ce.cause) ?? restStatusForCode(ce.code),
    detail: ce.rawMessage,
    code: ce.code,
    retryAfter: ce.metadata.get(RETRY_AFTER_HEADER) ?? String(RETRY_AFTER_SECONDS),
  };
}

/** Creates the fallback handler. @throws PathTemplateError for an annotation outside the supported grammar. */
export function createRestBridge(options: RestBridgeOptions): NodeHandler {
  const table = buildRouteTable(options.services.map((s) => s.service));
  const impls = new Map(options.services.map((s) => [s.service.typeName, s.impl]));
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const keepAliveMs = options.keepAliveMs ?? 5000;
  const heartbeats = createSseHeartbeats(heartbeatMs);

  async function dispatch(req: Req, res: Res, route: RestRoute, vars: Record<string, string>, url: URL) {
    const raw = route.body === "" ? undefined : await readBody(req, options.bodyLimitBytes);
    // Only a body is checked: a bodiless POST (cancel, join) may carry any content type, or none.
    if (raw && raw.length > 0) requireJsonContentType(req.headers["content-type"]);
    const request = buildRequest(route.method.input, {
      body: route.body,
      json: raw ? parseJsonBody(raw) : undefined,
      query: url.searchParams,
      vars,
    });
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort(new ConnectError("client disconnected", Code.Canceled));
    });
    const ctx: HandlerContext = createHandlerContext({
      service: route.service,
      method: route.method,
      protocolName: "rest",
      requestMethod: route.verb,
      url: url.toString(),
      requestSignal: abort.signal,
      requestHeader: requestHeaders(req),
    });
    const impl = impls.get(route.service.typeName)?.[route.method.localName];
    if (!impl) throw new ConnectError(`${route.method.name} is not implemented`, Code.Unimplemented);
    if (route.method.methodKind === "server_streaming") {
      return streamSse(res, route, impl.call(undefined, request, ctx) as AsyncIterable<unknown>, ctx);
    }
    const output = route.method.output;
    const out = await withKeepAlive(res, route, ctx, () => impl.call(undefined, request, ctx));
    if (out === LATE) return;
    if (output.typeName === EmptySchema.typeName) {
      res.writeHead(204, headerRecord(ctx.responseHeader));
      res.end();
      return;
    }
    // biome-ignore lint/suspicious/noExplicitAny: the implementation returns an init shape of `output`.
    const msg = create(output, out as any);
    // `select` (searches): the service cleared the other fields; REST leaves them out.
    const select = (request as { select?: unknown }).select;
    const body = pickSelected(responseJson(route, output, msg), Array.isArray(select) ? select : []);
    if (res.headersSent) res.end(JSON.stringify(body));
    else sendJson(res, 200, body, headerRecord(ctx.responseHeader));
  }

  /**
   * Runs a unary call; on a long-poll route that takes longer than `keepAliveMs`, starts a 200 answer with
   * `\n` keep-alives. A failure after that is answered in-band and yields {@link LATE}.
   */
  async function withKeepAlive(
    res: Res,
    route: RestRoute,
    ctx: HandlerContext,
    call: () => Promise<unknown>,
  ) {
    const field = route.responseBody
      ? route.method.output.fields.find((f) => f.name === route.responseBody)
      : undefined;
    const longPoll = keepAliveMs > 0 && field?.fieldKind === "message" && field.message.typeName === STRUCT;
    if (!longPoll) return call();
    const timer = setInterval(() => {
      if (res.destroyed || res.writableEnded) return;
      if (!res.headersSent)
        res.writeHead(200, { "content-type": "application/json", ...headerRecord(ctx.responseHeader) });
      res.write("\n");
    }, keepAliveMs);
    try {
      return await call();
    } catch (error) {
      if (!res.headersSent) throw error;
      const ce = ConnectError.from(error);
      res.end(JSON.stringify({ __error__: { error: Code[ce.code], message: ce.rawMessage } }));
      return LATE;
    } finally {
      clearInterval(timer);
    }
  }

  async function streamSse(res: Res, route: RestRoute, parts: AsyncIterable<unknown>, ctx: HandlerContext) {
    const it = parts[Symbol.asyncIterator]();
    // Errors before the first part (or before the handler opened the stream, `openStream`) are plain HTTP errors.
    const opened = new Promise<"opened">((resolve) => ctx.values.set(STREAM_OPEN, () => resolve("opened")));
    const firstPart = it.next();
    const early = (await Promise.race([firstPart, opened])) === "opened";
    res.writeHead(200, { ...SSE_HEADERS, ...headerRecord(ctx.responseHeader) });
    // Opened before any part: a heartbeat sends the headers now (Node holds them until the first write).
    if (early) res.write(SSE_HEARTBEAT);
    const output = route.method.output;
    const format = (part: unknown) => {
      // biome-ignore lint/suspicious/noExplicitAny: parts are init shapes of `output`.
      const json = toJson(output, create(output, part as any), JSON_OPTS) as Record<string, JsonValue>;
      const event = typeof json.event === "string" ? json.event : "data";
      const id = typeof json.id === "string" ? json.id : "";
      return formatSseEvent({ event, data: "event" in json ? json.data : json, id });
    };
    const write = (part: unknown) => {
      if (typeof part !== "object" || part === null) return res.write(format(part));
      let frame = sseFrames.get(part);
      if (frame === undefined) {
        frame = format(part);
        sseFrames.set(part, frame);
      }
      return res.write(frame);
    };
    // Backpressure: a slow client stops the pulling (the run's events wait in the event log, not in memory).
    const drained = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    let gone = false;
    // Beats stop when the stream ends or the client leaves; a write after close is a no-op.
    const stopBeating = heartbeats.add(res);
    res.on("close", () => {
      gone = true;
      stopBeating();
      // Stop pulling parts for a client that left; the run itself goes on unless it asked to be cancelled.
      void it.return?.(undefined)?.catch(() => undefined);
    });
    try {
      const first = await firstPart;
      if (!first.done) write(first.value);
      for (let next = await it.next(); !next.done && !gone; next = await it.next()) {
        if (!write(next.value) && !gone) await drained();
      }
    } catch (error) {
      const ce = ConnectError.from(error);
      if (!gone)
        res.write(formatSseEvent({ event: "error", data: { error: Code[ce.code], message: ce.rawMessage } }));
    } finally {
      stopBeating();
      if (!gone) res.end();
    }
  }

  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://loom.invalid");
    const match = table.find(req.method ?? "GET", url.pathname);
    if (match.kind === "none") {
      return sendJson(res, 404, { detail: `Not Found: no route for ${req.method} ${url.pathname}` });
    }
    if (match.kind === "wrong-verb") {
      return sendJson(res, 405, { detail: "Method Not Allowed" }, { allow: match.allowed.join(", ") });
    }
    const route = match.route;
    dispatch(req, res, route, match.vars, url).catch((error: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof BodyRefusedError) return sendJson(res, error.status, { detail: error.message });
      const { status, detail, retryAfter } = errorDetail(error);
      // Service errors arrive as ConnectErrors (logged where they are mapped); anything else is the bridge's own.
      if (!(error instanceof ConnectError)) {
        options.onInternalError?.(error, `${route.verb} ${route.template.source}`);
      }
      // Every 503 is worth retrying soon (an election, a restarting mongod, a draining replica): say when.
      sendJson(res, status, { detail }, status === 503 ? { "retry-after": retryAfter } : {});
    });
  };
}
