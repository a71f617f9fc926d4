/**
 * `npm run bench:ui`: how long the thread explorer takes to draw a thread of 1,000 checkpoints, measured in
 * headless Chromium (Debian's `chromium`, see test/support/browser.ts).
 *
 * The thread: one `joke` run, then state updates up to `--checkpoints` (default 1000) in all, every 50th one
 * forking from an older checkpoint so the tree has branches. Each sample opens the thread page in a fresh
 * browser page and waits until the tree holds every checkpoint. Reported per sample: total time from navigation
 * to the drawn tree, and the page's own split (REST fetches of thread + paged history + head state, layout,
 * drawing the SVG). A `mongod` is started in a temporary directory by the project's launcher.
 *
 * Usage: `npm run bench:ui [-- --checkpoints=1000 --samples=5]`. Output: a table, then one JSON line.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { buildExplorer } from "../scripts/build-ui.js";
import { createApp } from "../src/app.js";
import { silentLogger } from "../src/logger.js";
import { launchMongo } from "../src/mongod/launcher.js";
import { loadGraphRegistry } from "../src/registry/load.js";
import { LOOM_VERSION } from "../src/version.js";
import { launchBrowser } from "../test/support/browser.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function arg(name: string, fallback: number): number {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split("=")[1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function main(): Promise<void> {
  const total = arg("checkpoints", 1000);
  const samples = arg("samples", 5);
  const uiDir = await mkdtemp(path.join(tmpdir(), "loom-bench-ui-"));
  await buildExplorer(uiDir);
  const mongo = await launchMongo({
    toolsRoot: root,
    ...(process.env.MONGOD_PATH ? { mongodPath: process.env.MONGOD_PATH } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
  });
  const client = await MongoClient.connect(mongo.uri);
  const app = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: client.db(`bench_ui_${Date.now()}`),
    bodyLimitBytes: 10 * 1024 * 1024,
    registry: await loadGraphRegistry(path.join(root, "loom.json")),
    uiDir,
  });
  const address = await app.listen(0, "127.0.0.1");
  const base = `http://127.0.0.1:${address.port}`;
  const browser = await launchBrowser();
  try {
    const { thread_id: threadId } = await post<{ thread_id: string }>(`${base}/threads`, {});
    await post(`${base}/threads/${threadId}/runs/wait`, { assistant_id: "joke", input: {} });
    const ids: string[] = [];
    let head: string | undefined;
    for (let i = 4; i < total; i++) {
      const forkFrom = i % 50 === 0 && ids.length > 25 ? ids[ids.length - 25] : head;
      const { checkpoint } = await post<{ checkpoint: { checkpoint_id: string } }>(
        `${base}/threads/${threadId}/state`,
        {
          values: { topic: `topic ${i}` },
          ...(forkFrom ? { checkpoint_id: forkFrom } : {}),
        },
      );
      ids.push(checkpoint.checkpoint_id);
      head = checkpoint.checkpoint_id;
    }
    const rows: { totalMs: number; fetchMs: number; layoutMs: number; drawMs: number }[] = [];
    for (let s = 0; s < samples + 1; s++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const started = Date.now();
      await page.goto(`${base}/ui/#/threads/${threadId}`);
      await page.waitForSelector(`#app[data-rendered="${total}"]`, { timeout: 120_000 });
      const totalMs = Date.now() - started;
      const split = (await page.evaluate("window.__loomRender")) as {
        fetchMs: number;
        layoutMs: number;
        drawMs: number;
      };
      await page.close();
      if (s > 0) rows.push({ totalMs, ...split }); // sample 0 warms the server and the browser cache
    }
    const field = (k: keyof (typeof rows)[number]) => rows.map((r) => r[k]).sort((a, b) => a - b);
    const summary = {
      checkpoints: total,
      samples: rows.length,
      total_ms_p50: Math.round(percentile(field("totalMs"), 50)),
      total_ms_max: Math.round(Math.max(...field("totalMs"))),
      fetch_ms_p50: Math.round(percentile(field("fetchMs"), 50)),
      layout_ms_p50: Math.round(percentile(field("layoutMs"), 50)),
      draw_ms_p50: Math.round(percentile(field("drawMs"), 50)),
      target_ms: 2000,
    };
    console.log(`thread explorer, ${total} checkpoints, ${rows.length} samples (ms)`);
    console.log("  total p50  total max  fetch p50  layout p50  draw p50");
    console.log(
      `  ${String(summary.total_ms_p50).padStart(9)}  ${String(summary.total_ms_max).padStart(9)}  ${String(summary.fetch_ms_p50).padStart(9)}  ${String(summary.layout_ms_p50).padStart(10)}  ${String(summary.draw_ms_p50).padStart(8)}`,
    );
    console.log(JSON.stringify(summary));
  } finally {
    await browser.close();
    await app.close(2000);
    await client.close();
    await mongo.stop();
    await rm(uiDir, { recursive: true, force: true });
  }
}

await main();
