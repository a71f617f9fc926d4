/**
 * The static file handler that serves the explorer at `/ui`: files with their content types, `index.html` for
 * the front end's own paths, a redirect for the bare prefix, refusals for other verbs and for paths that try to
 * leave the directory, and a hint when nothing was built.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaticHandler } from "../../src/server/static-files.js";

let dir: string;
let server: http.Server;
let base: string;

async function start(root: string): Promise<{ server: http.Server; base: string }> {
  const handler = createStaticHandler({ prefix: "/ui", dir: root, missingHint: "run npm run build" });
  const s = http.createServer((req, res) => {
    if (handler.matches(req.url ?? "")) void handler.handle(req, res);
    else {
      res.writeHead(418);
      res.end();
    }
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

/** GET with the path exactly as given. */
function rawGet(pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}/`, { path: pathname }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

beforeAll(async () => {
  const parent = await mkdtemp(path.join(tmpdir(), "loom-static-"));
  dir = path.join(parent, "ui");
  await mkdir(dir);
  await writeFile(path.join(dir, "index.html"), "<!doctype html><title>x</title>");
  await writeFile(path.join(dir, "main.js"), "export {};");
  await writeFile(path.join(parent, "secret.txt"), "outside");
  ({ server, base } = await start(dir));
});

afterAll(async () => {
  server.close();
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe("static files at /ui", () => {
  it("serves files with their content type and index.html for extension-less paths", async () => {
    const js = await fetch(`${base}/ui/main.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await js.text()).toBe("export {};");
    for (const p of ["/ui/", "/ui/threads/abc"]) {
      const page = await fetch(`${base}${p}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    }
  });

  it("redirects /ui to /ui/ and leaves other paths to the next handler", async () => {
    const bare = await fetch(`${base}/ui`, { redirect: "manual" });
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("/ui/");
    expect((await fetch(`${base}/uix/main.js`)).status).toBe(418);
    expect((await fetch(`${base}/threads`)).status).toBe(418);
  });

  it("answers 304 to a matching If-Modified-Since", async () => {
    const first = await fetch(`${base}/ui/main.js`);
    const again = await fetch(`${base}/ui/main.js`, {
      headers: { "if-modified-since": first.headers.get("last-modified") ?? "" },
    });
    expect(again.status).toBe(304);
  });

  it("refuses other verbs, unknown files and paths that leave the directory", async () => {
    const post = await fetch(`${base}/ui/main.js`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await post.json()) as unknown).toEqual({ detail: "Method POST not allowed on /ui" });
    expect((await fetch(`${base}/ui/nope.js`)).status).toBe(404);
    // Sent as written (fetch would normalise the dots away before the server sees them).
    for (const attempt of [
      "/ui/../secret.txt",
      "/ui/%2e%2e/secret.txt",
      "/ui/..%2fsecret.txt",
      "/ui/%2e%2e%2fsecret.txt",
    ]) {
      const response = await rawGet(attempt);
      expect(response.status, attempt).toBe(404);
      expect(response.body).not.toContain("outside");
    }
    expect((await rawGet("/ui/%E0%A4%A")).status).toBe(400);
  });

  it("says how to build the explorer when its directory is empty", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "loom-static-empty-"));
    const other = await start(empty);
    try {
      const response = await fetch(`${other.base}/ui/`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { detail: string }).detail).toContain("run npm run build");
    } finally {
      other.server.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
