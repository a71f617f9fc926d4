/**
 * `mongod` restarted mid-load: a Loom process on a throwaway `mongod` executes 30 queued runs
 * on 10 threads; `mongod` is stopped and started again on the same data while they run. Loom reconnects (the
 * driver waits for the server; the change stream is reopened; waiters poll) and every run ends `success`, each
 * thread's checkpoints still one chain holding each run's `n` once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, expect, it } from "vitest";
import { postJson as post } from "../support/post-json.js";
import { startMongod, stopAllMongods, stopMongod } from "../support/restartable-mongod.js";
import { type LoomProcess, startLoom } from "./processes.js";

let dataDir: string | undefined;
let loom: LoomProcess | undefined;

afterAll(async () => {
  await loom?.stop("SIGKILL");
  await stopAllMongods();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Joins a run, retrying while the server answers with an error (e.g. a MongoDB timeout). */
async function join(url: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url).catch(() => undefined);
    const text = (await res?.text()) ?? "";
    const body = text.trim() ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (res?.status === 200 && !("detail" in body)) return body;
    if (attempt > 20) throw new Error(`join ${url}: ${res?.status} ${text}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

it("Loom reconnects after a mongod restart and completes the runs", { timeout: 180_000 }, async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "loom-runtime-restart-"));
  const first = await startMongod(dataDir);
  loom = await startLoom({ mongoUri: first.uri, dbName: "restart", env: { LOOM_WORKERS: "4" } });
  const threadIds = await Promise.all(
    Array.from({ length: 10 }, async () => (await post(`${loom?.url}/threads`, {})).thread_id as string),
  );
  const created: Array<{ tid: string; runId: string }> = [];
  for (const k of [0, 1, 2]) {
    for (const tid of threadIds) {
      const run = await post(`${loom.url}/threads/${tid}/runs`, {
        assistant_id: "tick",
        input: { n: k, ms: 150 },
        multitask_strategy: "enqueue",
      });
      created.push({ tid, runId: run.run_id as string });
    }
  }
  // Some runs are done, others still queued or running: stop mongod and bring it back on the same data.
  await join(`${loom.url}/threads/${created[0]?.tid}/runs/${created[0]?.runId}/join`);
  const last = created.at(-1);
  const lastRun = await (await fetch(`${loom.url}/threads/${last?.tid}/runs/${last?.runId}`)).json();
  expect(["pending", "running"]).toContain((lastRun as { status: string }).status);
  await stopMongod(first.child);
  const second = await startMongod(dataDir);
  expect(second.uri).toBe(first.uri);

  for (const { tid, runId } of created) {
    const body = await join(`${loom.url}/threads/${tid}/runs/${runId}/join`);
    expect(body.ticks).toBeDefined();
  }
  const client = await MongoClient.connect(second.uri);
  try {
    const db = client.db("restart");
    const runs = await db.collection("runs").find({}).toArray();
    expect(runs.map((r) => r.status)).toEqual(created.map(() => "success"));
    const checkpoints = await db.collection("checkpoints").find({}).toArray();
    for (const tid of threadIds) {
      const mine = checkpoints.filter((c) => c.thread_id === tid);
      const parents = mine.map((c) => c.parent_checkpoint_id);
      expect(new Set(parents).size).toBe(parents.length);
      const head = mine.reduce((x, y) => (x.checkpoint_id > y.checkpoint_id ? x : y));
      expect([...(head.values.ticks as number[])].sort()).toEqual([0, 1, 2]);
    }
  } finally {
    await client.close();
  }
});
