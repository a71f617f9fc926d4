/**
 * The root check, the generated OpenAPI document and the /docs page (docs/api.md "OpenAPI"): `GET /` answers
 * `{"ok":true}`; `/openapi.json` has every route of the route table built from the proto annotations and passes
 * @apidevtools/swagger-parser's validation; `/docs` renders it in Chromium with no network (assets from
 * swagger-ui-dist), screenshot in test-results/.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssistantsService } from "../../gen/ts/loom/v1/assistants_pb.js";
import { HealthService } from "../../gen/ts/loom/v1/health_pb.js";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { buildRouteTable } from "../../src/service/rest/routes.js";
import { launchBrowser } from "../support/browser.js";
import { type ApiServer, projectRoot, startApiServer } from "./support.js";

let server: ApiServer;
let browser: Browser;
const artifacts = path.join(projectRoot, "test-results");

beforeAll(async () => {
  server = await startApiServer("openapi_docs");
  browser = await launchBrowser();
  await mkdir(artifacts, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: object }>> };

describe("GET / and the OpenAPI document", () => {
  it("GET / answers 200 {ok: true} for load balancers", async () => {
    const res = await fetch(`${server.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("/openapi.json lists every route of the route table and is a valid OpenAPI document", async () => {
    const res = await fetch(`${server.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toMatch(/^3\./);
    const table = buildRouteTable([ThreadsService, RunsService, AssistantsService, HealthService]);
    expect(table.routes.length).toBeGreaterThan(20);
    for (const route of table.routes) {
      const p = route.template.source.replace(/\{([^}=]+)=[^}]*\}/g, "{$1}");
      expect(doc.paths[p]?.[route.verb.toLowerCase()], `${route.verb} ${p}`).toBeDefined();
    }
    expect(doc.paths["/threads/{thread_id}/runs/wait"]?.post).toBeDefined();
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it("/docs renders the document in Chromium from local assets only", async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(server.baseUrl)) outside.push(r.url());
    });
    await page.goto(`${server.baseUrl}/docs`);
    await page
      .locator(".opblock-summary-path", { hasText: "/threads/{thread_id}/runs/wait" })
      .first()
      .waitFor();
    expect(await page.locator(".opblock").count()).toBeGreaterThan(20);
    await page.screenshot({ path: path.join(artifacts, "api-docs.png") });
    expect(outside).toEqual([]);
    await page.close();
  });
});
