/**
 * CORS for every protocol on the port (docs/security.md "CORS"): REST, Connect and gRPC-Web from a browser page
 * on another origin. `"*"` lets any origin call, as the LangGraph servers do; `"loopback"` only pages served from
 * `localhost`, `127.0.0.1` or `[::1]` (any port, http or https); a list only those origins. An allowed origin is echoed in `Access-Control-Allow-Origin` (with `Vary: Origin`), credentials
 * (cookies) are not allowed: Loom authenticates by header (`Authorization`, `x-api-key`), which browsers send
 * cross-origin once the preflight allows them.
 *
 * A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 here, before routing; other
 * requests get the allow and expose headers and go on to the handler. A request from an origin not on the list
 * gets no CORS headers, so the browser blocks its answer.
 */
import { cors as connectCors } from "@connectrpc/connect";
import type { NodeHandler } from "./one-port.js";

/** Options of {@link withCors}. */
export interface CorsOptions {
  /** Allowed origins, e.g. `https://app.example.com`; `"*"`: any; `"loopback"`: pages on a loopback host. */
  origins: readonly string[] | "*" | "loopback";
  /** How long a browser may cache a preflight, in seconds. @default 600 */
  maxAgeSeconds?: number;
}

/** Methods of the REST routes and of Connect / gRPC-Web. */
const ALLOWED_METHODS = [
  ...new Set(["GET", "POST", "PUT", "PATCH", "DELETE", ...connectCors.allowedMethods]),
];
/** Connect's and gRPC-Web's request headers, the credentials and what the LangGraph SDKs send. */
const ALLOWED_HEADERS = [
  ...new Set([
    ...connectCors.allowedHeaders,
    "Authorization",
    "X-Api-Key",
    "Last-Event-ID",
    "X-Auth-Scheme",
    "X-Tenant-Id",
  ]),
];
/** Connect's and gRPC-Web's response headers and those of the REST routes the SDKs read. */
const EXPOSED_HEADERS = [
  ...new Set([
    ...connectCors.exposedHeaders,
    "Content-Location",
    "Location",
    "X-Pagination-Total",
    "X-Pagination-Next",
  ]),
].join(", ");

const LOOPBACK = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** Wraps `handler` with CORS. */
export function withCors(handler: NodeHandler, options: CorsOptions): NodeHandler {
  const allowList = typeof options.origins === "string" ? undefined : new Set(options.origins);
  const isAllowed = (origin: string) =>
    options.origins === "*"
      ? true
      : options.origins === "loopback"
        ? LOOPBACK.test(origin)
        : !!allowList?.has(origin);
  const maxAge = String(options.maxAgeSeconds ?? 600);
  const allowedHeadersLower = new Set(ALLOWED_HEADERS.map((h) => h.toLowerCase()));
  const allowHeaderList = ALLOWED_HEADERS.join(", ");
  return (req, res) => {
    const origin = req.headers.origin;
    if (typeof origin !== "string" || origin === "") return handler(req, res);
    const allowed = isAllowed(origin);
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    res.setHeader("Vary", "Origin");
    if (!allowed) {
      if (!preflight) return handler(req, res);
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: "origin not allowed" }));
      return;
    }
    res.setHeader("Access-Control-Allow-Origin", origin);
    if (!preflight) {
      res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
      return handler(req, res);
    }
    // Headers the page asks for beyond the known ones (e.g. custom `x-` configurable headers) are allowed too, as
    // the Python server's `allow_headers=["*"]` does.
    const requested = String(req.headers["access-control-request-headers"] ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== "" && !allowedHeadersLower.has(h.toLowerCase()));
    res.writeHead(204, {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOWED_METHODS.join(", "),
      "access-control-allow-headers": [allowHeaderList, ...requested].join(", "),
      "access-control-max-age": maxAge,
      vary: "Origin",
    });
    res.end();
  };
}
