/**
 * `GET /` (load balancer check: `{"ok":true}`, as langgraph-api's root), `GET /openapi.json` (the document generated
 * at start-up from the proto annotations, see service/rest/openapi.ts) and `GET /docs`: Swagger UI rendering it,
 * its assets served from the pinned `swagger-ui-dist` package, so the page works offline (docs/api.md "OpenAPI").
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { NodeHandler } from "./one-port.js";

type Res = Parameters<NodeHandler>[1];

/** The routes this handler answers. */
export interface ApiDocsHandler {
  /** True for `/`, `/openapi.json`, `/docs` and `/docs/*` (query string ignored). */
  matches(url: string): boolean;
  /** Answers a matched request; GET/HEAD only (405 otherwise). */
  handle: NodeHandler;
}

const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Loom API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  validatorUrl: null,
});
`;

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Creates the handler. `document` is serialised once; assets are read on first use and kept in memory.
 * @param document the OpenAPI document (JSON-serialisable)
 */
export function createApiDocsHandler(document: unknown): ApiDocsHandler {
  const json = JSON.stringify(document);
  const dist = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const cache = new Map<string, Buffer>();
  const send = (res: Res, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { "content-type": type, "x-content-type-options": "nosniff" });
    res.end(body);
  };
  return {
    matches(url) {
      const p = pathOf(url);
      return p === "/" || p === "/openapi.json" || p === "/docs" || p.startsWith("/docs/");
    },
    handle(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json" });
        res.end(JSON.stringify({ detail: "Method Not Allowed" }));
        return;
      }
      const p = pathOf(req.url ?? "/");
      if (p === "/") return send(res, 200, "application/json", '{"ok":true}');
      if (p === "/openapi.json") return send(res, 200, "application/json", json);
      if (p === "/docs" || p === "/docs/") return send(res, 200, "text/html; charset=utf-8", PAGE);
      if (p === "/docs/init.js") return send(res, 200, "text/javascript; charset=utf-8", INIT);
      const name = p.slice("/docs/".length);
      const type = ASSETS[name];
      if (!type) return send(res, 404, "application/json", JSON.stringify({ detail: "Not Found" }));
      let body = cache.get(name);
      if (!body) {
        body = readFileSync(path.join(dist, name));
        cache.set(name, body);
      }
      send(res, 200, type, body);
    },
  };
}
