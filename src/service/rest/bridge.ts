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
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { NodeHandler } from "../../server/one-port.js";
import { sendError } from "./error-response.js";
import { createRestContext, headerRecord, type Req, type Res, sendJson } from "./http.js";
import { LATE, withKeepAlive } from "./keep-alive.js";
import { buildRouteTable, type RestRoute } from "./routes.js";
import { createSseHeartbeats } from "./sse.js";
import { streamSse } from "./sse-stream.js";
import { decodeRequest, encodeResponse, isEmptyResponse, isLongPoll } from "./transcode.js";

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

/**
 * Creates the fallback handler: route matching (404 unknown route, 405 wrong verb with `Allow`), then
 * {@link dispatch}; a failure is answered by `sendError`.
 * @throws PathTemplateError for an annotation outside the supported grammar.
 */
export function createRestBridge(options: RestBridgeOptions): NodeHandler {
  const table = buildRouteTable(options.services.map((s) => s.service));
  const bridge: Bridge = {
    impls: new Map(options.services.map((s) => [s.service.typeName, s.impl])),
    bodyLimitBytes: options.bodyLimitBytes,
    keepAliveMs: options.keepAliveMs ?? 5000,
    heartbeats: createSseHeartbeats(options.heartbeatMs ?? 5000),
  };
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
    dispatch(bridge, req, res, route, match.vars, url).catch((error: unknown) =>
      sendError(res, error, (e) => options.onInternalError?.(e, `${route.verb} ${route.template.source}`)),
    );
  };
}

/** What {@link dispatch} needs of the bridge: the implementations by service type name, limits and the beats. */
interface Bridge {
  impls: ReadonlyMap<string, BoundService["impl"]>;
  bodyLimitBytes: number;
  keepAliveMs: number;
  heartbeats: ReturnType<typeof createSseHeartbeats>;
}

/**
 * Serves one matched route: decodes the request, calls the implementation with a REST `HandlerContext` and answers
 * SSE for a server-streaming method, 204 for `google.protobuf.Empty`, else 200 with the JSON body (a long poll
 * with keep-alives). Headers the service set on `ctx.responseHeader` are sent with the answer.
 * @throws what decoding or the call throws before the answer started (answered by `sendError`).
 */
async function dispatch(
  bridge: Bridge,
  req: Req,
  res: Res,
  route: RestRoute,
  vars: Record<string, string>,
  url: URL,
): Promise<void> {
  const request = await decodeRequest(req, route, vars, url, bridge.bodyLimitBytes);
  const ctx = createRestContext(req, res, route, url);
  const impl = bridge.impls.get(route.service.typeName)?.[route.method.localName];
  if (!impl) throw new ConnectError(`${route.method.name} is not implemented`, Code.Unimplemented);
  if (route.method.methodKind === "server_streaming") {
    const parts = impl.call(undefined, request, ctx) as AsyncIterable<unknown>;
    return streamSse(res, route.method.output, parts, ctx, bridge.heartbeats);
  }
  const call = () => impl.call(undefined, request, ctx) as Promise<unknown>;
  const out =
    bridge.keepAliveMs > 0 && isLongPoll(route)
      ? await withKeepAlive(res, ctx, bridge.keepAliveMs, call)
      : await call();
  if (out === LATE) return;
  if (isEmptyResponse(route)) {
    res.writeHead(204, headerRecord(ctx.responseHeader));
    res.end();
    return;
  }
  const body = encodeResponse(route, request, out);
  if (res.headersSent) res.end(JSON.stringify(body));
  else sendJson(res, 200, body, headerRecord(ctx.responseHeader));
}
