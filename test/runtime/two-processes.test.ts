/**
 * Two processes sharing one queue: 200 background runs on 50 threads (4 per thread, strategy
 * `enqueue`), created concurrently through both processes. Every run ends exactly once (`success`), and no two
 * runs ever ran on one thread at once: each thread's checkpoints form a single chain (a concurrent run would fork
 * it or collide) holding exactly each run's own checkpoints, and its `ticks` hold each run's `n` once.
 * Streams across processes (test d): a resumable stream started on one process, joined on the other from the start
 * (`Last-Event-ID: -1`), dropped and resumed with the last id seen, yields exactly the original events.
 * Cancel from any replica: a run executing on one process is cancelled (`wait=1`) through the other.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mongoUri } from "../support/mongo.js";
import { postJson as post } from "../support/post-json.js";
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
  const errors = loom.flatMap((p) =>
    p
      .output()
      .split("\n")
      .filter((l) => /"level":(50|60)/.test(l)),
  );
  expect({ failed: failed.map((r) => [r.status, JSON.stringify(r.output)]), errors }).toEqual({
    failed: [],
    errors: [],
  });
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
    expect(thread).toMatchObject({ status: "idle", active_runs: 0 });
  }
});

type Part = { event: string; data: unknown; id?: string };

async function collect(parts: AsyncIterable<Part>, limit = Number.POSITIVE_INFINITY): Promise<Part[]> {
  const out: Part[] = [];
  for await (const p of parts) {
    out.push({ event: p.event, data: p.data, ...(p.id !== undefined ? { id: p.id } : {}) });
    if (out.length >= limit) break;
  }
  return out;
}

it("a resumable stream joined from the other process, dropped and resumed with Last-Event-ID, is the same stream", async () => {
  const [a, b] = loom as [LoomProcess, LoomProcess];
  const sdkA = new Client({ apiUrl: a.url, callerOptions: { maxRetries: 0 } });
  const sdkB = new Client({ apiUrl: b.url, callerOptions: { maxRetries: 0 } });
  const thread = await sdkA.threads.create();
  const log = path.join(os.tmpdir(), `loom-stream-${randomBytes(4).toString("hex")}.log`);
  const stream = sdkA.runs.stream(thread.thread_id, "crash", {
    input: { log, ms: 600 },
    streamMode: ["values", "updates", "debug"],
    streamResumable: true,
  }) as AsyncIterable<Part>;
  const it = stream[Symbol.asyncIterator]();
  const metadata = (await it.next()).value as Part;
  expect(metadata.event).toBe("metadata");
  const runId = (metadata.data as { run_id: string }).run_id;
  const restOfOriginal = collect({ [Symbol.asyncIterator]: () => it });

  // On B while the run executes on A: the first three events from the start, then the client goes away...
  const head = await collect(
    sdkB.runs.joinStream(thread.thread_id, runId, { lastEventId: "-1" }) as AsyncIterable<Part>,
    3,
  );
  expect(head[0]).toEqual(metadata);
  // ...and comes back with the last id it saw.
  const tail = await collect(
    sdkB.runs.joinStream(thread.thread_id, runId, {
      lastEventId: head.at(-1)?.id ?? "",
    }) as AsyncIterable<Part>,
  );
  const original = [metadata, ...(await restOfOriginal)];
  expect(original.length).toBeGreaterThan(6);
  expect([...head, ...tail]).toEqual(original);
  expect(original.map((p) => p.id)).toEqual(original.map((_, i) => String(i)));
  // A replay after the end gives the whole stream again.
  expect(
    await collect(
      sdkB.runs.joinStream(thread.thread_id, runId, { lastEventId: "-1" }) as AsyncIterable<Part>,
    ),
  ).toEqual(original);
  await rm(log, { force: true });
});

it("a run executing on one process is cancelled from the other", async () => {
  const [a, b] = loom as [LoomProcess, LoomProcess];
  const sdkB = new Client({ apiUrl: b.url, callerOptions: { maxRetries: 0 } });
  const thread = await sdkB.threads.create();
  // A wait on A executes there (its thread is free).
  const waiting = fetch(`${a.url}/threads/${thread.thread_id}/runs/wait`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ assistant_id: "slow", input: { ms: 30_000 } }),
  });
  let runId: string | undefined;
  for (let i = 0; i < 200 && !runId; i++) {
    const runs = await sdkB.runs.list(thread.thread_id);
    runId = runs.find((r) => r.status === "running")?.run_id;
    if (!runId) await new Promise((r) => setTimeout(r, 20));
  }
  expect(runId).toBeDefined();
  await sdkB.runs.cancel(thread.thread_id, runId as string, true, "interrupt");
  expect((await sdkB.runs.get(thread.thread_id, runId as string)).status).toBe("interrupted");
  const res = await waiting;
  expect(res.status).toBe(200);
  expect((await sdkB.threads.get(thread.thread_id)).status).not.toBe("busy");
});
