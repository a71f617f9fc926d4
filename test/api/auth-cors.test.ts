/**
 * CORS (docs/security.md "CORS"): preflights for REST and Connect answer 204 with the methods and headers a browser
 * client needs (`Authorization`, `x-api-key`, Connect's own), any origin by default with auth on (loopback pages
 * only without auth), only the listed ones with `corsOrigins`; and headless Chromium on a page served from another loopback port calls Loom for real — REST with
 * an API key, and the Connect protocol — while a page from an origin off the list is blocked.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { projectRoot } from "./support.js";

const KEY = "cors-test-key";
const sha256Hex = createHash("sha256").update(KEY).digest("hex");

/** A server of one blank HTML page on 127.0.0.1 (another origin than Loom's). */
async function pageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>client</title>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let open: TestServer;
let narrowed: TestServer;
let noAuth: TestServer;
let allowedPage: Awaited<ReturnType<typeof pageServer>>;
let otherPage: Awaited<ReturnType<typeof pageServer>>;
let browser: Browser;

beforeAll(async () => {
  allowedPage = await pageServer();
  otherPage = await pageServer();
  const configPath = path.join(projectRoot, "test/api/loom.test.json");
  open = await startTestServer("api_cors_open", { configPath, apiKeys: [{ sha256Hex, identity: "web" }] });
  narrowed = await startTestServer("api_cors_narrow", {
    configPath,
    apiKeys: [{ sha256Hex, identity: "web" }],
    corsOrigins: [allowedPage.origin],
  });
  noAuth = await startTestServer("api_cors_noauth", { configPath });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await open?.close();
  await narrowed?.close();
  await noAuth?.close();
  await allowedPage?.close();
  await otherPage?.close();
});

function preflight(server: TestServer, route: string, origin: string, method: string, headers: string) {
  return fetch(server.baseUrl + route, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });
}

describe("preflight", () => {
  it("answers a REST preflight from any origin with the methods and the credential headers", async () => {
    const res = await preflight(
      open,
      "/threads/search",
      "https://app.example",
      "POST",
      "content-type,x-api-key",
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-methods")).toContain("DELETE");
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const h of ["authorization", "x-api-key", "content-type"]) expect(allowed).toContain(h);
  });

  it("answers a Connect / gRPC-Web preflight with Connect's headers", async () => {
    const res = await preflight(
      open,
      "/loom.v1.ThreadsService/Create",
      "https://app.example",
      "POST",
      "connect-protocol-version,content-type,x-grpc-web,authorization",
    );
    expect(res.status).toBe(204);
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const h of ["connect-protocol-version", "x-grpc-web", "grpc-timeout", "authorization"]) {
      expect(allowed).toContain(h);
    }
  });

  it("exposes the response headers clients read on the actual answer", async () => {
    const res = await fetch(`${open.baseUrl}/threads/search`, {
      method: "POST",
      headers: { origin: "https://app.example", "content-type": "application/json", "x-api-key": KEY },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase();
    for (const h of ["content-location", "grpc-status", "x-pagination-total"]) expect(exposed).toContain(h);
  });

  it("with an allow-list, refuses the preflight of another origin and sends it no CORS headers", async () => {
    const ok = await preflight(narrowed, "/threads", allowedPage.origin, "POST", "x-api-key");
    expect(ok.status).toBe(204);
    const refused = await preflight(narrowed, "/threads", "https://evil.example", "POST", "x-api-key");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    const actual = await fetch(`${narrowed.baseUrl}/ok`, { headers: { origin: "https://evil.example" } });
    expect(actual.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("without auth", () => {
  it("allows pages on a loopback host only, so a web site cannot drive a local Loom", async () => {
    const local = await preflight(noAuth, "/threads", "http://localhost:3000", "POST", "content-type");
    expect(local.status).toBe(204);
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    const site = await preflight(noAuth, "/threads", "https://attacker.example", "POST", "content-type");
    expect(site.status).toBe(403);
    expect(site.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("headless Chromium on another origin", () => {
  /** Runs REST and Connect calls from a page at `pageOrigin` against `baseUrl`; each result or error text. */
  async function callFromPage(pageOrigin: string, baseUrl: string) {
    const page = await browser.newPage();
    try {
      await page.goto(`${pageOrigin}/`);
      return await page.evaluate(
        async ({ baseUrl, key }) => {
          const attempt = async (fn: () => Promise<unknown>) => {
            try {
              return await fn();
            } catch (e) {
              return `blocked: ${(e as Error).name}`;
            }
          };
          const rest = await attempt(async () => {
            const res = await fetch(`${baseUrl}/threads`, {
              method: "POST",
              headers: { "content-type": "application/json", "x-api-key": key },
              body: JSON.stringify({ metadata: { from: "browser" } }),
            });
            return {
              status: res.status,
              body: await res.json(),
              location: res.headers.get("content-location"),
            };
          });
          const connect = await attempt(async () => {
            const res = await fetch(`${baseUrl}/loom.v1.ThreadsService/Count`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "connect-protocol-version": "1",
                authorization: `Bearer ${key}`,
              },
              body: JSON.stringify({ metadata: { from: "browser" } }),
            });
            return { status: res.status, body: await res.json() };
          });
          const anonymous = await attempt(
            async () => (await fetch(`${baseUrl}/threads/search`, { method: "POST" })).status,
          );
          return { rest, connect, anonymous };
        },
        { baseUrl, key: KEY },
      );
    } finally {
      await page.close();
    }
  }

  it("calls REST (x-api-key) and Connect (Authorization) from a page on another port; 401 stays readable", async () => {
    const out = await callFromPage(otherPage.origin, open.baseUrl);
    expect(out.rest).toMatchObject({ status: 200, body: { metadata: { from: "browser" } } });
    expect(out.connect).toMatchObject({ status: 200, body: { count: 1 } });
    expect(out.anonymous).toBe(401);
  });

  it("is served from an origin on LOOM_CORS_ORIGINS and blocked from one that is not", async () => {
    const allowed = await callFromPage(allowedPage.origin, narrowed.baseUrl);
    expect(allowed.rest).toMatchObject({ status: 200 });
    const blocked = await callFromPage(otherPage.origin, narrowed.baseUrl);
    expect(blocked.rest).toBe("blocked: TypeError");
    expect(blocked.connect).toBe("blocked: TypeError");
  });
});
