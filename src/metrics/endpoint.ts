/**
 * `GET /metrics`: the app's registry in the Prometheus text format (docs/operations.md "Metrics"). Other verbs
 * get 405; a failed collection gets 500 with the message as text.
 */
import type { NodeHandler } from "../server/one-port.js";
import type { LoomMetrics } from "./metrics.js";

/** The path Prometheus scrapes. */
export const METRICS_PATH = "/metrics";

/** The endpoint: `matches(url)` says whether a request is for it. */
export interface MetricsEndpoint {
  matches(url: string): boolean;
  handle: NodeHandler;
}

/** Creates the endpoint over `metrics`. */
export function createMetricsEndpoint(metrics: Pick<LoomMetrics, "render">): MetricsEndpoint {
  return {
    matches: (url) => url === METRICS_PATH || url.startsWith(`${METRICS_PATH}?`),
    handle(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json" });
        res.end(JSON.stringify({ detail: "Method Not Allowed" }));
        return;
      }
      metrics.render().then(
        ({ contentType, body }) => {
          res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
          res.end(req.method === "HEAD" ? "" : body);
        },
        (error: unknown) => {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end(`metrics collection failed: ${(error as Error).message ?? String(error)}\n`);
        },
      );
    },
  };
}
