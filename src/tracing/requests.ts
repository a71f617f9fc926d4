/**
 * A server span per request on the one port (REST, Connect, gRPC, gRPC-Web), around the same outermost handler
 * the request metrics wrap (`src/metrics/requests.ts`). The caller's trace context comes from the W3C
 * `traceparent` (and `tracestate`) header; gRPC metadata are HTTP/2 headers, so gRPC clients pass it the same way.
 * The span is named like the metrics label: `pkg.Service/Method` for an RPC, the route template
 * (`POST /threads/{thread_id}/runs/wait`) for REST, never a raw path. It is active while the handler runs, so
 * the run created by the request (its `traceparent` is stored on the run) and the MongoDB commands sent for it
 * are its children. An RPC's code comes from a Connect interceptor (trailers are out of the wrapper's sight).
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { NodeHandler } from "../server/one-port.js";

type Req = Parameters<NodeHandler>[0];

/** Options of {@link createRequestTracing}. */
export interface RequestTracingOptions {
  tracer: Tracer;
  /** The served RPCs as `pkg.Service/Method`. */
  rpcMethods: ReadonlySet<string>;
  /** A REST request's route template with its verb, or `undefined` when no route serves it. */
  restRoute(verb: string, path: string): string | undefined;
}

/** The pieces to wire into the app. */
export interface RequestTracing {
  /** Wraps the outermost handler. */
  wrap(handler: NodeHandler): NodeHandler;
  /** For `connectNodeAdapter({interceptors})`: the RPC's code on its span, errors mid-stream included. */
  interceptor: Interceptor;
}

function rpcOutcome(code: Code | undefined): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttribute("rpc.grpc.status_code", code ?? Code.Unknown);
  if (code !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: Code[code] ?? "Unknown" });
}

/** Creates the request tracing. */
export function createRequestTracing(options: RequestTracingOptions): RequestTracing {
  const { tracer, rpcMethods, restRoute } = options;

  async function* watched<T>(messages: AsyncIterable<T>, span = trace.getActiveSpan()): AsyncIterable<T> {
    try {
      yield* messages;
      span?.setAttribute("rpc.grpc.status_code", 0);
    } catch (error) {
      const code = ConnectError.from(error).code;
      span?.setAttribute("rpc.grpc.status_code", code);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: Code[code] ?? "Unknown" });
      throw error;
    }
  }

  const interceptor: Interceptor = (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) {
        trace.getActiveSpan()?.setAttribute("rpc.grpc.status_code", 0);
        return res;
      }
      return { ...res, message: watched(res.message) };
    } catch (error) {
      rpcOutcome(ConnectError.from(error).code);
      throw error;
    }
  };

  function spanName(req: Req): { name: string; rpc: boolean; path: string } {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (rpcMethods.has(path.slice(1))) return { name: path.slice(1), rpc: true, path };
    const verb = req.method ?? "GET";
    return { name: restRoute(verb, path) ?? verb, rpc: false, path };
  }

  return {
    interceptor,
    wrap(handler) {
      return (req, res) => {
        const { name, rpc, path } = spanName(req);
        const parent = propagation.extract(ROOT_CONTEXT, req.headers);
        const [service, method] = rpc ? name.split("/") : [];
        const span = tracer.startSpan(
          name,
          {
            kind: SpanKind.SERVER,
            attributes: {
              "http.request.method": req.method ?? "GET",
              "url.path": path,
              ...(rpc ? { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method } : {}),
              ...(!rpc && name !== req.method ? { "http.route": name } : {}),
            },
          },
          parent,
        );
        let ended = false;
        const end = (finished: boolean) => {
          if (ended) return;
          ended = true;
          span.setAttribute("http.response.status_code", res.statusCode);
          if (!finished) span.setAttribute("loom.client_left", true);
          if (!rpc && res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        };
        res.once("finish", () => end(true));
        res.once("close", () => end(false));
        return context.with(trace.setSpan(parent, span), () => handler(req, res));
      };
    },
  };
}
