/**
 * Cross-replica wake-ups: two Loom apps on one database, with polling set to a minute so only the
 * change stream can wake a waiter in time. A run executing on replica A is joined, and its stream joined, from
 * replica B; both end when the run ends. Waiters on another replica `watch` the run, so its end is on the change
 * stream, while the ends of runs nobody elsewhere waits for are not broadcast at all.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const POLL_MS = 60_000;
let t: TestDb;
const apps: App[] = [];
const urls: string[] = [];

beforeAll(async () => {
  t = await openTestDb("runtime_replica_wakeups");
  for (let i = 0; i < 2; i++) {
    const app = createApp({
      logger: silentLogger(),
      version: LOOM_VERSION,
      db: t.db,
      bodyLimitBytes: 1024 * 1024,
      registry: await loadGraphRegistry(path.join(here, "loom.runtime.json")),
      runtime: { pollMs: POLL_MS },
    });
    const address = await app.listen(0, "127.0.0.1");
    apps.push(app);
    urls.push(`http://127.0.0.1:${address.port}`);
  }
});
afterAll(async () => {
  for (const app of apps) await app.close(2_000);
  await t.drop();
});

const post = async (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

it("a join and a stream join on replica B end when the run on replica A ends", {
  timeout: 30_000,
}, async () => {
  const [a, b] = urls as [string, string];
  const thread = (await (await post(`${a}/threads`, {})).json()) as { thread_id: string };
  // A stream run on A executes on A at once.
  const streamed = await post(`${a}/threads/${thread.thread_id}/runs/stream`, {
    assistant_id: "slow",
    input: { ms: 1500 },
    stream_mode: ["values"],
    stream_resumable: true,
  });
  const location = streamed.headers.get("content-location") ?? "";
  const runId = /runs\/([^/]+)/.exec(location)?.[1];
  expect(runId).toBeTruthy();
  const started = Date.now();
  const [joined, joinedStream, original] = await Promise.all([
    fetch(`${b}/threads/${thread.thread_id}/runs/${runId}/join`).then((r) => r.json()),
    fetch(`${b}/threads/${thread.thread_id}/runs/${runId}/stream`, {
      headers: { "last-event-id": "-1" },
    }).then((r) => r.text()),
    streamed.text(),
  ]);
  // Polling alone would have taken a minute; the run takes 1.5 s.
  expect(Date.now() - started).toBeLessThan(POLL_MS / 2);
  expect(joined).toMatchObject({ ms: 1500, done: true });
  expect(joinedStream).toContain('"done":true');
  expect(original).toContain('"done":true');
  const run = await t.db.collection("runs").findOne({ _id: runId as never });
  expect(run).toMatchObject({ status: "success", end_watched: true });
});

it("the end of a wait answered by the replica that ran it is not broadcast", async () => {
  const [a] = urls as [string, string];
  const thread = (await (await post(`${a}/threads`, {})).json()) as { thread_id: string };
  const response = await post(`${a}/threads/${thread.thread_id}/runs/wait`, {
    assistant_id: "slow",
    input: { ms: 1 },
  });
  expect(await response.json()).toMatchObject({ done: true });
  const run = await t.db.collection("runs").findOne({ thread_id: thread.thread_id });
  expect(run).toMatchObject({ status: "success", end_watched: false });
});
