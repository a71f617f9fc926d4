/**
 * The HTTP plumbing of the REST bridge on Node's `IncomingMessage`/`ServerResponse`: header conversion, JSON
 * answers, and the Connect `HandlerContext` a REST call runs with.
 */
import { Code, ConnectError, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import type { NodeHandler } from "../../server/one-port.js";
import type { RestRoute } from "./routes.js";

/** The request of a Node handler. */
export type Req = Parameters<NodeHandler>[0];
/** The response of a Node handler. */
export type Res = Parameters<NodeHandler>[1];

/** `Headers` as a plain record, for `writeHead`. */
export function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/** Answers `status` with `body` as JSON (`content-type: application/json`) and the extra `headers`. */
export function sendJson(
  res: Res,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The request's headers as `Headers`: HTTP/2 pseudo-headers dropped, repeated ones joined with `, `. */
export function requestHeaders(req: Req): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith(":") || v === undefined) continue;
    h.set(k, Array.isArray(v) ? v.join(", ") : String(v));
  }
  return h;
}

/**
 * The `HandlerContext` of a REST call (`protocolName` "rest"): its signal aborts with `Canceled` when the client
 * closes the connection before the answer is complete, as a Connect or gRPC call's does.
 */
export function createRestContext(req: Req, res: Res, route: RestRoute, url: URL): HandlerContext {
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort(new ConnectError("client disconnected", Code.Canceled));
  });
  return createHandlerContext({
    service: route.service,
    method: route.method,
    protocolName: "rest",
    requestMethod: route.verb,
    url: url.toString(),
    requestSignal: abort.signal,
    requestHeader: requestHeaders(req),
  });
}
