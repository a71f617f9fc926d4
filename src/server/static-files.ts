/**
 * Serves a directory of built static files (the thread explorer's bundle) under a URL prefix, on the same port
 * as the APIs. Only `GET` and `HEAD`; paths are resolved inside the directory (no `..` escapes); a path with no
 * file extension answers the directory's `index.html`, so the front end can use its own routes.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { NodeHandler } from "./one-port.js";

type Res = Parameters<NodeHandler>[1];

/** Content types of the files a Vite/esbuild bundle emits. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** Options of {@link createStaticHandler}. */
export interface StaticHandlerOptions {
  /** URL prefix without a trailing slash, e.g. `/ui`. */
  prefix: string;
  /** Absolute path of the directory to serve (e.g. `<project>/dist/ui`). */
  dir: string;
  /** Said in the 404 body when the directory has no `index.html` (e.g. "run npm run build"). */
  missingHint: string;
}

/** A handler that answers a request when it is under the prefix. */
export interface StaticHandler {
  /** True when `url` (path and query) is under the prefix. */
  matches(url: string): boolean;
  /** Answers the request: the file, `index.html` for extension-less paths, 404/405 as JSON `{detail}`. */
  handle: NodeHandler;
}

function sendDetail(res: Res, status: number, detail: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ detail }));
}

/**
 * Builds a handler for `options.prefix`. `/ui` redirects to `/ui/` (308) so relative asset URLs resolve. Hashed
 * asset names are not assumed: every file is served with `cache-control: no-cache` (revalidated by `last-modified`).
 */
export function createStaticHandler(options: StaticHandlerOptions): StaticHandler {
  const root = path.resolve(options.dir);
  const { prefix } = options;
  return {
    matches(url) {
      const pathname = url.split("?", 1)[0] ?? "";
      return pathname === prefix || pathname.startsWith(`${prefix}/`);
    },
    async handle(req, res) {
      const pathname = (req.url ?? "").split("?", 1)[0] ?? "";
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendDetail(res, 405, `Method ${req.method} not allowed on ${prefix}`, { allow: "GET, HEAD" });
        return;
      }
      if (pathname === prefix) {
        res.writeHead(308, { location: `${prefix}/` });
        res.end();
        return;
      }
      let relative: string;
      try {
        relative = decodeURIComponent(pathname.slice(prefix.length + 1));
      } catch {
        sendDetail(res, 400, `Malformed path ${pathname}`);
        return;
      }
      const wanted = path.extname(relative) === "" ? "index.html" : relative;
      const file = path.resolve(root, wanted);
      if (file !== root && !file.startsWith(`${root}${path.sep}`)) {
        sendDetail(res, 404, `Not found: ${pathname}`);
        return;
      }
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        const hint = wanted === "index.html" ? ` (the explorer is not built: ${options.missingHint})` : "";
        sendDetail(res, 404, `Not found: ${pathname}${hint}`);
        return;
      }
      const modified = info.mtime.toUTCString();
      if (req.headers["if-modified-since"] === modified) {
        res.writeHead(304);
        res.end();
        return;
      }
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
        "content-length": String(info.size),
        "last-modified": modified,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      });
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      createReadStream(file).pipe(res);
    },
  };
}
