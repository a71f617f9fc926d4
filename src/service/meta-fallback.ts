/**
 * Plain-HTTP answers for `GET /ok` and `GET /info` until the REST bridge serves every annotated route.
 * Anything else is a JSON 404 `{"detail": ...}` (DESIGN.md error shape).
 */
import type { NodeHandler } from "../server/one-port.js";
import type { HealthDeps } from "./health.js";

function sendJson(res: Parameters<NodeHandler>[1], status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** A connectNodeAdapter `fallback` answering the two meta routes. */
export function createMetaFallback(deps: HealthDeps): NodeHandler {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const run = async () => {
      if (req.method === "GET" && path === "/ok") {
        await deps.pingDatabase();
        return sendJson(res, 200, { ok: true });
      }
      if (req.method === "GET" && path === "/info") {
        return sendJson(res, 200, {
          version: deps.version,
          flags: { assistants: true, crons: false, langsmith: false },
        });
      }
      sendJson(res, 404, { detail: `no route for ${req.method} ${path}` });
    };
    run().catch((error: Error) => sendJson(res, 503, { detail: error.message }));
  };
}
