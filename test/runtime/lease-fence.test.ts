/**
 * The lease fence with real processes on a real `mongod` (docs/runs.md "Leases"): every step write of a run commits
 * only while its worker holds the lease, so one run never executes on two workers at once.
 * - A run's lease is taken from its worker mid-node (as a reclaim writes it: `attempt + 1`, another owner): the
 *   worker's next step commit is refused by the database, it stops at once and starts no further node; the run is
 *   finished later by another process, with one linear checkpoint chain.
 * - A worker cut off the database mid-node (its renewals fail) stops its node before its lease lapses; another
 *   process reclaims the run after the lapse and finishes it. The execution log written by the graph's nodes shows
 *   no two executions of the run at the same time, and no step the cut-off worker committed after the reclaim.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Document, MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mongoUri } from "../support/mongo.js";
import { postJson as post } from "../support/post-json.js";
import { firstHost, startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { until } from "../support/until.js";
import { overlaps, readExecutions } from "./execution-log.js";
import { type LoomProcess, startLoom } from "./processes.js";

const prefix = `runtime_lease_fence_${randomBytes(6).toString("hex")}`;
/** A database per test: a process a failed test left running claims nothing of the next one. */
let dbName = "";
let dir: string;
let client: MongoClient;
const processes: LoomProcess[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loom-lease-fence-"));
  client = await MongoClient.connect(mongoUri());
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await Promise.all(proxies.map((p) => p.close()));
  for (const name of ["stolen", "cut"]) await client.db(`${prefix}_${name}`).dropDatabase();
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

/** A background run of `steps` on a new thread of `url`. */
async function startRun(url: string, input: Record<string, unknown>, durability = "async") {
  const threadId = (await post(`${url}/threads`, {})).thread_id as string;
  const run = await post(`${url}/threads/${threadId}/runs`, { assistant_id: "steps", input, durability });
  return { threadId, runId: run.run_id as string };
}

/** The thread's root checkpoints oldest first, after checking they form one chain (each the child of the last). */
async function linearChain(threadId: string): Promise<Document[]> {
  const docs = await client
    .db(dbName)
    .collection("checkpoints")
    .find({ thread_id: threadId, checkpoint_ns: "" })
    .sort({ checkpoint_id: 1 })
    .toArray();
  docs.forEach((d, i) => {
    expect(d.parent_checkpoint_id).toBe(i === 0 ? null : docs[i - 1]?.checkpoint_id);
  });
  return docs;
}

const runs = () => client.db(dbName).collection<Document>("runs");

/** Resolves to the run's document once its status is final (neither running nor pending); fails after 60 s. */
function runEnded(runId: string): Promise<Document> {
  return until(
    "the run's end",
    async () => {
      const doc = await runs().findOne({ _id: runId as never });
      return doc && doc.status !== "running" && doc.status !== "pending" ? doc : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

it("a stolen lease: the worker's next step commit is refused, it starts no further node", {
  timeout: 90_000,
}, async () => {
  dbName = `${prefix}_stolen`;
  // A long lease: no renewal (every 20 s) tells the worker of the theft before its commit does.
  const a = await startLoom({ mongoUri: mongoUri(), dbName, env: { LOOM_LEASE_MS: "60000" } });
  processes.push(a);
  const log = path.join(dir, "stolen.log");
  const { threadId, runId } = await startRun(a.url, { log, ms: 1500 }, "sync");
  await until(
    "node one started",
    async () => ((await readExecutions(log)).some((e) => e.node === "one") ? true : undefined),
    { timeoutMs: 30_000 },
  );
  // Taken as a reclaim takes it: another owner, attempt + 1.
  const taken = await runs().updateOne(
    { _id: runId as never, status: "running", attempt: 1 },
    {
      $inc: { attempt: 1 },
      $set: { lease_owner: "another-worker", lease_expires_at: new Date(Date.now() + 60_000) },
    },
  );
  expect(taken.modifiedCount).toBe(1);
  await until(
    "node one ended",
    async () =>
      (await readExecutions(log)).some((e) => e.node === "one" && e.end !== undefined) ? true : undefined,
    { timeoutMs: 30_000 },
  );
  // Time for a commit, and for a next node if the worker (wrongly) went on.
  await new Promise((r) => setTimeout(r, 2000));
  expect((await readExecutions(log)).map((e) => e.node)).toEqual(["one"]);
  const afterTheft = await linearChain(threadId);
  // Only the checkpoints written before node one started (input, step 0): the step of `one` was refused.
  expect(afterTheft.map((d) => d.metadata.step)).toEqual([-1, 0]);
  expect((await runs().findOne({ _id: runId as never }))?.status).toBe("running");

  // The other owner "dies": its lease lapses and a process scanning often reclaims the run and finishes it.
  await runs().updateOne({ _id: runId as never }, { $set: { lease_expires_at: new Date(0) } });
  const b = await startLoom({ mongoUri: mongoUri(), dbName, env: { LOOM_LEASE_MS: "3000" } });
  processes.push(b);
  const done = await runEnded(runId);
  expect(done.status).toBe("success");
  expect(done.attempt).toBe(3);
  const chain = await linearChain(threadId);
  expect(chain.at(-1)?.values.done).toEqual(["one", "two", "three"]);
  expect(overlaps(await readExecutions(log))).toEqual([]);
  await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
});

it("a worker cut off the database mid-node stops before its lease lapses; the reclaimer never overlaps it", {
  timeout: 120_000,
}, async () => {
  dbName = `${prefix}_cut`;
  const target = firstHost(mongoUri());
  const looms: { loom: LoomProcess; proxy: TcpProxy }[] = [];
  for (let i = 0; i < 2; i++) {
    const proxy = await startTcpProxy(target);
    proxies.push(proxy);
    const loom = await startLoom({
      mongoUri: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`,
      dbName,
      env: { LOOM_LEASE_MS: "3000" },
    });
    processes.push(loom);
    looms.push({ loom, proxy });
  }
  const log = path.join(dir, "cut.log");
  // Nodes longer than the lease: only the lease (renewals every second) can tell a worker to stop mid-node.
  const { threadId, runId } = await startRun(looms[0]?.loom.url as string, { log, ms: 5000 });
  const first = await until("node one started", async () => (await readExecutions(log))[0], {
    timeoutMs: 30_000,
  });
  const holder = looms.find((l) => l.loom.pid === first.pid);
  const other = looms.find((l) => l.loom.pid !== first.pid);
  if (!holder || !other) throw new Error("the run started on no process of this test");
  holder.proxy.cut();
  const reclaimed = await until(
    "another process reclaims the run",
    async () => (await readExecutions(log)).find((e) => e.pid === other.loom.pid),
    { timeoutMs: 60_000 },
  );
  holder.proxy.heal();
  const done = await runEnded(runId);
  expect(done.status).toBe("success");
  // 2, or more when a loaded machine delayed a later owner's renewals past its own (3 s) lease.
  expect(done.attempt).toBeGreaterThanOrEqual(2);
  const executions = await readExecutions(log);
  expect(overlaps(executions)).toEqual([]);
  // The cut-off worker's node was stopped (ended early) before the reclaimer started.
  const stale = executions.filter((e) => e.pid === holder.loom.pid && e.start < reclaimed.start);
  expect(stale.map((e) => e.node)).toEqual(["one"]);
  expect(stale[0]?.aborted).toBe(true);
  expect(stale.every((e) => (e.end ?? Number.POSITIVE_INFINITY) <= reclaimed.start)).toBe(true);
  const chain = await linearChain(threadId);
  // Every step from node one on was committed by the reclaiming attempt.
  const steps = chain.filter((d) => d.metadata.step >= 1);
  expect(steps.map((d) => d.metadata.run_attempt >= 2)).toEqual([true, true, true]);
  expect(chain.at(-1)?.values.done).toEqual(["one", "two", "three"]);
});
