/// <reference lib="dom" />
/**
 * The thread explorer in a real browser (headless Chromium) against the real server and `mongod`: the three
 * documented flows done by clicking (docs/semantics.md §4 interrupts and resume, docs/semantics.md §7 update_state and forks),
 * error details shown, a run started elsewhere followed live, and a screenshot of the tree as an artifact
 * (`test-results/explorer-*.png`).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExplorer } from "../../scripts/build-ui.js";
import { projectRoot } from "../api/support.js";
import { launchBrowser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/server.js";

const artifacts = path.join(projectRoot, "test-results");

let server: TestServer;
let browser: Browser;
let uiDir: string;

beforeAll(async () => {
  uiDir = await mkdtemp(path.join(tmpdir(), "loom-ui-"));
  await buildExplorer(uiDir);
  server = await startTestServer("ui-explorer", {
    configPath: path.join(projectRoot, "test/api/loom.test.json"),
    uiDir,
  });
  browser = await launchBrowser();
  await mkdir(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (uiDir) await rm(uiDir, { recursive: true, force: true });
});

async function json<T>(pathname: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${server.baseUrl}${pathname}`, {
    ...init,
    headers: { "content-type": "application/json", ...init?.headers },
  });
  expect(response.ok, `${pathname}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

interface StateJson {
  values: Record<string, unknown>;
  checkpoint: { checkpoint_id: string };
}

/** Opens the threads page, starts `assistant` with `input` through the form, resolves to the new thread id. */
async function startFromForm(page: Page, assistant: string, input: string): Promise<string> {
  await page.goto(`${server.baseUrl}/ui/`);
  await page
    .locator('[data-testid="new-run-assistant"] option', { hasText: assistant })
    .first()
    .waitFor({ state: "attached" });
  await page.selectOption('[data-testid="new-run-assistant"]', { label: assistant });
  await page.fill('[data-testid="new-run-input"]', input);
  await page.click('[data-testid="new-run-start"]');
  await page.waitForURL(/#\/threads\//);
  const threadId = decodeURIComponent(new URL(page.url()).hash.replace("#/threads/", ""));
  expect(threadId).toMatch(/^[0-9a-f-]{36}$/);
  return threadId;
}

async function statusIs(page: Page, status: string): Promise<void> {
  await page.waitForFunction(
    (s) => document.querySelector('[data-testid="thread-status"]')?.textContent === s,
    status,
  );
}

function checkpoints(page: Page) {
  return page.locator('[data-testid="checkpoint"]');
}

describe("thread explorer", () => {
  it("serves the page at /ui/ with its bundle", async () => {
    const html = await fetch(`${server.baseUrl}/ui/`);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toMatch(/^text\/html/);
    const js = await fetch(`${server.baseUrl}/ui/main.js`);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
  });

  it("lists threads with status and graph, filtered by metadata and status", async () => {
    const team = `team-${Date.now()}`;
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const thread = await json<{ thread_id: string }>("/threads", {
        method: "POST",
        body: JSON.stringify({ metadata: { team, i } }),
      });
      made.push(thread.thread_id);
    }
    await json(`/threads/${made[0]}/runs/wait`, {
      method: "POST",
      body: JSON.stringify({ assistant_id: "agent", input: { some_text: "x" } }),
    });
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/ui/`);
    await page.fill('[data-testid="metadata-filter"]', JSON.stringify({ team }));
    await page.click('[data-testid="search"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="thread-row"]').length === 3);
    const rows = page.locator('[data-testid="thread-row"]');
    expect(
      new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-thread-id")))),
    ).toEqual(new Set(made));
    await page.selectOption('[data-testid="status-filter"]', "interrupted");
    await page.click('[data-testid="search"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="thread-row"]').length === 1);
    expect(await rows.first().getAttribute("data-thread-id")).toBe(made[0]);
    expect(await rows.first().locator('[data-testid="thread-status"]').textContent()).toBe("interrupted");
    expect(await rows.first().textContent()).toContain("agent");
    await page.fill('[data-testid="metadata-filter"]', "[1]");
    await page.click('[data-testid="search"]');
    await page
      .locator('[data-testid="error-message"]', { hasText: "metadata filter must be a JSON object" })
      .waitFor();
    await page.close();
  });

  it("interrupt and resume by clicking: run agent, see the interrupt, resume with Edited text", async () => {
    const page = await browser.newPage();
    const threadId = await startFromForm(page, "agent", '{"some_text": "original text"}');
    await statusIs(page, "interrupted");
    const waiting = page.locator('[data-testid="checkpoint"][data-interrupted="true"]');
    await waiting.waitFor();
    expect(await waiting.count()).toBe(1);
    const waitingId = await waiting.getAttribute("data-checkpoint-id");
    await waiting.click();
    expect(await page.textContent('[data-testid="detail-next"]')).toBe("human_node");
    expect(await page.textContent('[data-testid="task-interrupt"]')).toContain("original text");
    expect(await page.getAttribute('[data-testid="graph-node"][data-node="human_node"]', "data-next")).toBe(
      "true",
    );

    await page.fill('[data-testid="resume-value"]', '"Edited text"');
    // A change made elsewhere (new metadata) redraws the page at the next idle poll: the typed value outlives it.
    const typedInto = await page.$('[data-testid="resume-value"]');
    await json(`/threads/${threadId}`, {
      method: "PATCH",
      body: JSON.stringify({ metadata: { seen: true } }),
    });
    await page.waitForFunction((box) => !box?.isConnected, typedInto, { timeout: 10_000 });
    expect(await page.inputValue('[data-testid="resume-value"]')).toBe('"Edited text"');
    await page.click('[data-testid="resume"]');
    await statusIs(page, "idle");
    const head = page.locator('[data-testid="checkpoint"][data-head="true"]');
    await page.waitForFunction(
      (parent) =>
        document
          .querySelector('[data-testid="checkpoint"][data-head="true"]')
          ?.getAttribute("data-parent-id") === parent,
      waitingId,
    );
    await head.click();
    expect(await page.textContent('[data-testid="detail-values"]')).toContain("Edited text");
    expect(await page.locator('[data-testid="checkpoint"][data-interrupted="true"]').count()).toBe(0);

    const state = await json<StateJson>(`/threads/${threadId}/state`);
    expect(state.values).toEqual({ some_text: "Edited text" });
    expect(await head.getAttribute("data-checkpoint-id")).toBe(state.checkpoint.checkpoint_id);
    await page.close();
  });

  it("time travel by clicking: edit topic at step 1, run from it, two branches share that checkpoint", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const threadId = await startFromForm(page, "joke", "{}");
    await statusIs(page, "idle");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="checkpoint"]').length === 4);

    const step1 = page.locator('[data-testid="checkpoint"][data-step="1"]');
    const forkPoint = await step1.getAttribute("data-checkpoint-id");
    await step1.click();
    expect(await page.textContent('[data-testid="detail-next"]')).toBe("write_joke");
    await page.fill('[data-testid="edit-values"]', '{"topic": "chickens"}');
    await page.click('[data-testid="save-state"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="checkpoint"]').length === 5);
    // The new checkpoint is selected: run from it.
    expect(await page.textContent('[data-testid="detail-source"]')).toContain("update");
    await page.click('[data-testid="run-from"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="checkpoint"]').length === 6);
    await statusIs(page, "idle");

    const children = page.locator(`[data-testid="checkpoint"][data-parent-id="${forkPoint}"]`);
    expect(await children.count()).toBe(2);
    expect(await page.getAttribute(`[data-checkpoint-id="${forkPoint}"]`, "class")).toContain("fork");
    const head = page.locator('[data-testid="checkpoint"][data-head="true"]');
    // The tree may mark the new head a moment after the status turned idle (it follows the run's stream): click
    // the head until its details are the new branch's, rather than read them once.
    await expect
      .poll(async () => {
        await head.click();
        return page.textContent('[data-testid="detail-values"]');
      })
      .toContain("Why did the chickens cross the road?");
    expect(await page.textContent('[data-testid="detail-diff"]')).toContain("joke");

    const state = await json<StateJson>(`/threads/${threadId}/state`);
    expect(state.values.topic).toBe("chickens");
    await page
      .locator('[data-testid="tree-pane"]')
      .screenshot({ path: path.join(artifacts, "explorer-tree.png") });
    await page.screenshot({ path: path.join(artifacts, "explorer-page.png"), fullPage: true });
    await page.close();
  });

  it("shows the API's detail when a request is refused", async () => {
    const page = await browser.newPage();
    await startFromForm(page, "joke", "{}");
    await statusIs(page, "idle");
    await page.locator('[data-testid="checkpoint"][data-head="true"]').click();
    await page.fill('[data-testid="edit-values"]', '"not an object"');
    await page.click('[data-testid="save-state"]');
    const message = page.locator('[data-testid="error-message"]');
    await message.waitFor();
    expect(await message.textContent()).toMatch(/^422: .*object/);
    await page.fill('[data-testid="edit-values"]', "{not json");
    await page.click('[data-testid="save-state"]');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="error-message"]')?.textContent?.includes("not valid JSON"),
    );
    await page.close();
  });

  it("follows a run started by another client: busy, then the new checkpoints, then cancel", async () => {
    const page = await browser.newPage();
    const thread = await json<{ thread_id: string }>("/threads", { method: "POST", body: "{}" });
    await page.goto(`${server.baseUrl}/ui/#/threads/${thread.thread_id}`);
    await page.locator('[data-testid="tree-pane"]').waitFor();
    expect(await checkpoints(page).count()).toBe(0);
    await json(`/threads/${thread.thread_id}/runs`, {
      method: "POST",
      body: JSON.stringify({ assistant_id: "slow", input: { ms: 60_000 } }),
    });
    await statusIs(page, "busy");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="checkpoint"]').length >= 1);
    await page.click('[data-testid="cancel-run"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="thread-status"]')?.textContent !== "busy",
    );
    const runs = await json<{ status: string }[]>(`/threads/${thread.thread_id}/runs`);
    expect(runs.map((r) => r.status)).toEqual(["interrupted"]);
    await page.close();
  });
});
