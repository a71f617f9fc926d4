/**
 * Two processes sharing one queue (issue 6 test b): 200 background runs on 50 threads (4 per thread, strategy
 * `enqueue`), created concurrently through both processes. Every run ends exactly once (`success`), and no two
 * runs ever ran on one thread at once: each thread's checkpoints form a single chain (a concurrent run would fork
 * it or collide) holding exactly each run's own checkpoints, and its `ticks` hold each run's `n` once.
 */
import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mongoUri } from "../support/mongo.js";
import { type LoomProcess, startLoom } from "./processes.js";

const dbName = `runtime_many_${randomBytes(6).toString("hex")}`;
let client: MongoClient;
let loom: LoomProcess[] = [];

beforeAll(async () => {
  client = await MongoClient.connect(mongoUri());
  const env = { LOOM_WORKERS: "4" };
  loom = await Promise.all([0, 1].map(() => startLoom({ mongoUri: mongoUri(), dbName, env })));
});

afterAll(async () => {
  await Promise.all(loom.map((p) => p.stop("SIGKILL")));
  await client.db(dbName).dropDatabase();
  await client.close();
});

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

it("200 runs on 50 threads through two processes: each ends once, one at a time per thread", async () => {
  const [a, b] = loom as [LoomProcess, LoomProcess];
  const threadIds = await Promise.all(
    Array.from(
      { length: 50 },
      async (_, i) => (await post(`${(i % 2 ? a : b).url}/threads`, {})).thread_id as string,
    ),
  );
  const created = await Promise.all(
    threadIds.flatMap((tid, t) =>
      [0, 1, 2, 3].map(async (k) => {
        const via = (t + k) % 2 ? a : b;
        const run = await post(`${via.url}/threads/${tid}/runs`, {
          assistant_id: "tick",
          input: { n: k },
          multitask_strategy: "enqueue",
        });
        return { tid, runId: run.run_id as string, n: k };
      }),
    ),
  );
  expect(created).toHaveLength(200);

  // Join each run through the other process than the one that probably ran it.
  const finished = await Promise.all(
    created.map(async ({ tid, runId }, i) => {
      const res = await fetch(`${(i % 2 ? b : a).url}/threads/${tid}/runs/${runId}/join`);
      const body = JSON.parse(await res.text()) as Record<string, unknown>;
      return Array.isArray(body.ticks) ? "ok" : JSON.stringify(body);
    }),
  );
  expect(finished.filter((s) => s !== "ok")).toEqual([]);

  const db = client.db(dbName);
  const runs = await db.collection("runs").find({}).toArray();
  expect(runs).toHaveLength(200);
  const failed = runs.filter((r) => r.status !== "success");
  expect(failed.map((r) => [r.status, JSON.stringify(r.output)])).toEqual([]);
  expect(runs.every((r) => r.attempt === 1 && r.lease_owner === null)).toBe(true);
  const checkpoints = await db.collection("checkpoints").find({}).toArray();
  for (const tid of threadIds) {
    const mine = checkpoints.filter((c) => c.thread_id === tid);
    const parents = mine.map((c) => c.parent_checkpoint_id);
    expect(new Set(parents).size).toBe(parents.length); // a chain: no two children of one checkpoint
    const byRun = new Map<string, number>();
    for (const c of mine) byRun.set(c.metadata.run_id, (byRun.get(c.metadata.run_id) ?? 0) + 1);
    expect([...byRun.values()]).toEqual([3, 3, 3, 3]); // input, loop (start), loop (tick) per run
    const head = mine.reduce((x, y) => (x.checkpoint_id > y.checkpoint_id ? x : y));
    expect([...(head.values.ticks as number[])].sort()).toEqual([0, 1, 2, 3]);
    const thread = await db.collection("threads").findOne({ _id: tid as never });
    expect(thread?.status).toBe("idle");
  }
});
