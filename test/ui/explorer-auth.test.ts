/// <reference lib="dom" />
/**
 * The thread explorer against a Loom with API keys on (docs/security.md "API keys", docs/explorer.md), in headless
 * Chromium: without a key the page shows the server's 401; with the key typed into the header box it lists the
 * threads, starts a run, follows its stream to the interrupt and resumes it — every request, the stream
 * included, carrying `x-api-key`. The key outlives a reload (it is kept in `localStorage`). Against an `Auth`
 * module with owner filters (docs/security.md "Custom auth"), the box's token is sent as a bearer token and the
 * page lists only the caller's threads.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExplorer } from "../../scripts/build-ui.js";
import { projectRoot } from "../api/support.js";
import { launchBrowser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/server.js";

const KEY = "explorer-test-key-7f3a";
const artifacts = path.join(projectRoot, "test-results");

let server: TestServer;
let ownerServer: TestServer;
let browser: Browser;
let uiDir: string;

beforeAll(async () => {
  uiDir = await mkdtemp(path.join(tmpdir(), "loom-ui-auth-"));
  await buildExplorer(uiDir);
  server = await startTestServer("ui_explorer_auth", {
    configPath: path.join(projectRoot, "test/api/loom.test.json"),
    uiDir,
    apiKeys: [{ sha256Hex: createHash("sha256").update(KEY).digest("hex"), identity: "explorer-user" }],
  });
  ownerServer = await startTestServer("ui_explorer_owner", {
    configPath: path.join(projectRoot, "test/api/auth/loom.auth.json"),
    uiDir,
  });
  browser = await launchBrowser();
  await mkdir(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await ownerServer?.close();
  if (uiDir) await rm(uiDir, { recursive: true, force: true });
});

/** A REST call with the key; throws on a non-2xx answer. */
async function withKey<T>(route: string, body?: unknown): Promise<T> {
  const response = await fetch(server.baseUrl + route, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok, `${route}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

describe("thread explorer with API keys on", () => {
  it("without a key: the page loads and shows the 401; the API refuses it too", async () => {
    const html = await fetch(`${server.baseUrl}/ui/`);
    expect(html.status).toBe(200);
    expect(
      (
        await fetch(`${server.baseUrl}/threads/search`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        })
      ).status,
    ).toBe(401);
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/ui/`);
    const error = page.locator('[data-testid="error-message"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/401|auth|key|credential/i);
    expect(await page.locator('[data-testid="thread-row"]').count()).toBe(0);
    await page.close();
  });

  it("with the key: lists threads, runs agent to its interrupt over the stream, resumes it; the key survives a reload", async () => {
    const team = `team-${Date.now()}`;
    const thread = await withKey<{ thread_id: string }>("/threads", { metadata: { team } });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const refused: string[] = [];
    page.on("response", (response) => {
      if (response.status() === 401) refused.push(response.url());
    });
    await page.goto(`${server.baseUrl}/ui/`);
    await page.locator('[data-testid="error-message"]').waitFor();
    refused.length = 0;

    await page.fill("#api-key", KEY);
    await page.locator("#api-key").blur();
    // Leaving the box commits the key (its change event) and re-renders the threads page: once the thread made above is listed, the page is the new one.
    await page.locator(`[data-testid="thread-row"][data-thread-id="${thread.thread_id}"]`).waitFor();
    expect(await page.locator("#error").isHidden()).toBe(true);
    await page.fill('[data-testid="metadata-filter"]', JSON.stringify({ team }));
    await page.click('[data-testid="search"]');
    const rows = page.locator('[data-testid="thread-row"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="thread-row"]').length === 1);
    expect(await rows.first().getAttribute("data-thread-id")).toBe(thread.thread_id);

    await page.reload();
    expect(await page.inputValue("#api-key")).toBe(KEY);
    await page
      .locator('[data-testid="new-run-assistant"] option', { hasText: "agent" })
      .first()
      .waitFor({ state: "attached" });
    await page.selectOption('[data-testid="new-run-assistant"]', { label: "agent" });
    await page.fill('[data-testid="new-run-input"]', '{"some_text": "behind a key"}');
    await page.click('[data-testid="new-run-start"]');
    await page.waitForURL(/#\/threads\//);
    const threadId = decodeURIComponent(new URL(page.url()).hash.replace("#/threads/", ""));
    await page.waitForFunction(
      () => document.querySelector('[data-testid="thread-status"]')?.textContent === "interrupted",
    );
    await page.locator('[data-testid="checkpoint"][data-interrupted="true"]').click();
    await page.fill('[data-testid="resume-value"]', '"approved"');
    await page.click('[data-testid="resume"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="thread-status"]')?.textContent === "idle",
    );
    await page.screenshot({ path: path.join(artifacts, "explorer-auth.png") });
    await page.close();

    const state = await withKey<{ values: Record<string, unknown> }>(`/threads/${threadId}/state`);
    expect(state.values).toEqual({ some_text: "approved" });
    expect(refused).toEqual([]);
  });
});

describe("thread explorer with an Auth module of owners", () => {
  it("alice's token lists alice's threads and not bob's", async () => {
    const team = `team-${Date.now()}`;
    const create = async (token: string) => {
      const response = await fetch(`${ownerServer.baseUrl}/threads`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ metadata: { team } }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { thread_id: string }).thread_id;
    };
    const alices = await create("alice-token");
    const bobs = await create("bob-token");
    const page = await browser.newPage();
    await page.goto(`${ownerServer.baseUrl}/ui/`);
    await page.locator('[data-testid="error-message"]', { hasText: "401" }).waitFor();
    await page.fill("#api-key", "alice-token");
    await page.locator("#api-key").blur();
    await page.locator(`[data-testid="thread-row"][data-thread-id="${alices}"]`).waitFor();
    await page.fill('[data-testid="metadata-filter"]', JSON.stringify({ team }));
    await page.click('[data-testid="search"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="thread-row"]').length === 1);
    const listed = await page
      .locator('[data-testid="thread-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-thread-id")));
    expect(listed).toEqual([alices]);
    expect(listed).not.toContain(bobs);
    await page.goto(`${ownerServer.baseUrl}/ui/#/threads/${bobs}`);
    await page.locator('[data-testid="error-message"]', { hasText: "404" }).waitFor();
    await page.close();
  });
});
