/**
 * Request metrics for the one port: a wrapper around the outermost `NodeHandler` times every request (from its
 * arrival to the end of its response, streams included) and counts it by protocol, method and code; a Connect
 * interceptor tells it the code of each RPC, which gRPC, gRPC-Web and Connect streams carry in trailers or body
 * frames the wrapper cannot see.
 *
 * - protocol: `grpc` / `grpc-web` from the content type, `connect` for any other request to an RPC path,
 *   `rest` for the rest;
 * - method: `pkg.Service/Method` for a served RPC, the route template (`GET /threads/{thread_id}`) for REST,
 *   `other` for anything else (an unknown path is never a label: that would let clients grow the series);
 * - code: the gRPC code name (`OK`, `NotFound`, …) for an RPC, `Canceled` when the client left first; the HTTP
 *   status for REST (`499` when the client left before the answer started).
 */
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import { codeFromHttpStatus } from "@connectrpc/connect/protocol-connect";
import { passThrough } from "../runtime/pass-through.js";
import type { NodeHandler } from "../server/one-port.js";
import type { LoomMetrics, RequestProtocol } from "./metrics.js";

type Req = Parameters<NodeHandler>[0];
type Res = Parameters<NodeHandler>[1];

/** Where the interceptor leaves an RPC's code for the wrapper. */
interface Outcome {
  code: string | undefined;
}

const OUTCOME = createContextKey<Outcome | undefined>(undefined, { description: "loom request outcome" });

/** Label of a request whose method or route is not served. */
const OTHER = "other";

/** Options of {@link createRequestMetrics}. */
export interface RequestMetricsOptions {
  metrics: Pick<LoomMetrics, "requestEnded">;
  /** The served RPCs as `pkg.Service/Method` (their paths without the leading `/`). */
  rpcMethods: ReadonlySet<string>;
  /** The label of a REST request: its route template (with the verb), or `undefined` when no route serves it. */
  restRoute(verb: string, path: string): string | undefined;
}

/** The pieces to wire into the app. */
export interface RequestMetrics {
  /** Wraps the outermost handler. */
  wrap(handler: NodeHandler): NodeHandler;
  /** For `connectNodeAdapter({interceptors})`: records each RPC's code, errors in the middle of a stream too. */
  interceptor: Interceptor;
  /** For `connectNodeAdapter({contextValues})`: hands the interceptor the request's outcome slot. */
  contextValues(req: Req): ContextValues;
}

function codeName(code: Code): string {
  return Code[code] ?? "Unknown";
}

function protocolOf(contentType: string | string[] | undefined, rpc: boolean): RequestProtocol {
  const ct = typeof contentType === "string" ? contentType : "";
  if (ct.startsWith("application/grpc-web")) return "grpc-web";
  if (ct.startsWith("application/grpc")) return "grpc";
  return rpc ? "connect" : "rest";
}

/** Creates the request instrumentation. */
export function createRequestMetrics(options: RequestMetricsOptions): RequestMetrics {
  const { metrics, rpcMethods, restRoute } = options;
  const outcomes = new WeakMap<Req, Outcome>();

  function observe(req: Req, res: Res, outcome: Outcome, startedMs: number, finished: boolean): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const rpc = rpcMethods.has(path.slice(1));
    const protocol = protocolOf(req.headers["content-type"], rpc);
    let method: string;
    let code: string;
    if (protocol === "rest") {
      method = restRoute(req.method ?? "GET", path) ?? OTHER;
      code = finished || res.headersSent ? String(res.statusCode) : "499";
    } else {
      method = rpc ? path.slice(1) : OTHER;
      // No outcome: the request was refused before its handler ran (bad content type, body, unknown path).
      code =
        outcome.code ??
        (!finished
          ? "Canceled"
          : res.statusCode === 200
            ? "Unknown"
            : codeName(codeFromHttpStatus(res.statusCode)));
    }
    metrics.requestEnded(protocol, method, code, (performance.now() - startedMs) / 1000);
  }

  function watched<T>(messages: AsyncIterable<T>, outcome: Outcome): AsyncIterable<T> {
    return passThrough(messages, {
      done: () => {
        outcome.code ??= "OK";
      },
      error: (error) => {
        outcome.code = codeName(ConnectError.from(error).code);
        return error;
      },
    });
  }

  const interceptor: Interceptor = (next) => async (req) => {
    const outcome = req.contextValues.get(OUTCOME);
    if (!outcome) return next(req);
    try {
      const res = await next(req);
      if (!res.stream) {
        outcome.code = "OK";
        return res;
      }
      return { ...res, message: watched(res.message, outcome) };
    } catch (error) {
      outcome.code = codeName(ConnectError.from(error).code);
      throw error;
    }
  };

  return {
    interceptor,
    contextValues: (req) => createContextValues().set(OUTCOME, outcomes.get(req)),
    wrap(handler) {
      return (req, res) => {
        const startedMs = performance.now();
        const outcome: Outcome = { code: undefined };
        outcomes.set(req, outcome);
        let done = false;
        const end = (finished: boolean) => {
          if (done) return;
          done = true;
          observe(req, res, outcome, startedMs, finished);
        };
        res.once("finish", () => end(true));
        res.once("close", () => end(false));
        return handler(req, res);
      };
    },
  };
}
