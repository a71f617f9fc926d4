/**
 * Crash recovery with real processes: a Loom process is killed with SIGKILL while a background
 * run is inside a slow node; a second process reclaims the expired lease and resumes the run from the last
 * checkpoint and its pending writes. The task that had finished in the interrupted step (`quick`) is not run
 * again, the run ends once (`success`, attempt 2), and the thread's history is one chain with no gap and no
 * duplicate step. A run whose worker dies more than `LOOM_MAX_ATTEMPTS` times fails with `RunAttemptsExceeded`.
 * SIGTERM (graceful shutdown) gives a running run back to the queue; the next process resumes it.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mongoUri } from "../support/mongo.js";
import { until } from "../support/until.js";
import { type LoomProcess, startLoom } from "./processes.js";

const dbName = `runtime_crash_${randomBytes(6).toString("hex")}`;
let dir: string;
let client: MongoClient;
const processes: LoomProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loom-crash-"));
  client = await MongoClient.connect(mongoUri());
});

// Each test stops its processes at its end, so no process of one test claims another test's runs.
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await client.db(dbName).dropDatabase();
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

it("a run whose process is killed mid-node is finished by another process, once", async () => {
  const env = { LOOM_LEASE_MS: "3000" };
  const a = await startLoom({ mongoUri: mongoUri(), dbName, env });
  processes.push(a);
  const sdkA = new Client({ apiUrl: a.url, callerOptions: { maxRetries: 0 } });
  const log = path.join(dir, "nodes.log");
  const thread = await sdkA.threads.create();
  const run = await sdkA.runs.create(thread.thread_id, "crash", { input: { log, ms: 1500 } });
  expect(run.status).toBe("pending");

  // Wait until `quick` finished (its write is saved on the checkpoint) while `nap` still sleeps.
  await until("quick's pending write", async () => {
    const state = await sdkA.threads.getState(thread.thread_id);
    const quick = state.tasks.find((t) => t.name === "quick");
    return quick?.result ? true : undefined;
  });
  expect((await readFile(log, "utf8")).split("\n").filter(Boolean).sort()).toEqual(["nap", "quick"]);
  const runs = client.db(dbName).collection("runs");
  expect(await runs.findOne({ _id: run.run_id as never })).toMatchObject({ status: "running", attempt: 1 });
  await a.stop("SIGKILL");

  const b = await startLoom({ mongoUri: mongoUri(), dbName, env });
  processes.push(b);
  const sdkB = new Client({ apiUrl: b.url, callerOptions: { maxRetries: 0 } });
  const result = (await sdkB.runs.join(thread.thread_id, run.run_id)) as { steps: string[] };
  expect([...result.steps].sort()).toEqual(["last", "nap", "quick"]);
  expect(result.steps.at(-1)).toBe("last");

  const after = await sdkB.runs.get(thread.thread_id, run.run_id);
  expect(after.status).toBe("success");
  expect(await runs.findOne({ _id: run.run_id as never })).toMatchObject({ attempt: 2, lease_owner: null });
  expect((await sdkB.threads.get(thread.thread_id)).status).toBe("idle");
  // `quick` ran once (its saved write was reused), `nap` twice (killed, then resumed), `last` once.
  const lines = (await readFile(log, "utf8")).split("\n").filter(Boolean);
  expect(lines.filter((l) => l === "quick")).toHaveLength(1);
  expect(lines.filter((l) => l === "nap")).toHaveLength(2);
  expect(lines.filter((l) => l === "last")).toHaveLength(1);

  // History: input (-1), loop 0, 1, 2 — one checkpoint per step, each the parent of the next.
  const history = await sdkB.threads.getHistory(thread.thread_id, { limit: 100 });
  const chronological = [...history].reverse();
  expect(chronological.map((s) => s.metadata?.step)).toEqual([-1, 0, 1, 2]);
  for (let i = 1; i < chronological.length; i++) {
    expect(chronological[i]?.parent_checkpoint?.checkpoint_id).toBe(
      chronological[i - 1]?.checkpoint.checkpoint_id,
    );
  }
  expect(new Set(history.map((s) => s.checkpoint.checkpoint_id)).size).toBe(history.length);
  expect(chronological.at(-1)?.values).toMatchObject({ steps: result.steps });
  await b.stop("SIGKILL");
});

it("a run whose worker keeps dying fails after LOOM_MAX_ATTEMPTS with a clear error", async () => {
  const env = { LOOM_LEASE_MS: "3000", LOOM_MAX_ATTEMPTS: "1" };
  const a = await startLoom({ mongoUri: mongoUri(), dbName, env });
  processes.push(a);
  const sdkA = new Client({ apiUrl: a.url, callerOptions: { maxRetries: 0 } });
  const log = path.join(dir, "attempts.log");
  const thread = await sdkA.threads.create();
  const run = await sdkA.runs.create(thread.thread_id, "crash", { input: { log, ms: 5000 } });
  await until("the slow node", async () =>
    (await readFile(log, "utf8").catch(() => "")).includes("nap") ? true : undefined,
  );
  await a.stop("SIGKILL");

  const b = await startLoom({ mongoUri: mongoUri(), dbName, env });
  processes.push(b);
  const sdkB = new Client({ apiUrl: b.url, callerOptions: { maxRetries: 0 } });
  const body = (await sdkB.runs.join(thread.thread_id, run.run_id)) as {
    __error__?: { error: string; message: string };
  };
  expect(body.__error__?.error).toBe("RunAttemptsExceeded");
  expect(body.__error__?.message).toMatch(/LOOM_MAX_ATTEMPTS=1/);
  expect((await sdkB.runs.get(thread.thread_id, run.run_id)).status).toBe("error");
  expect((await sdkB.threads.get(thread.thread_id)).status).toBe("error");
  await b.stop("SIGKILL");
});

it("SIGTERM: the process exits, gives its running run back, and another process finishes it", async () => {
  const a = await startLoom({ mongoUri: mongoUri(), dbName, env: { LOOM_SHUTDOWN_TIMEOUT_MS: "300" } });
  processes.push(a);
  const sdkA = new Client({ apiUrl: a.url, callerOptions: { maxRetries: 0 } });
  const log = path.join(dir, "sigterm.log");
  const thread = await sdkA.threads.create();
  const run = await sdkA.runs.create(thread.thread_id, "crash", { input: { log, ms: 2000 } });
  await until("quick's pending write", async () => {
    const state = await sdkA.threads.getState(thread.thread_id);
    return state.tasks.find((t) => t.name === "quick")?.result ? true : undefined;
  });
  expect(await a.stop("SIGTERM")).toBe(0);
  const runs = client.db(dbName).collection("runs");
  expect(await runs.findOne({ _id: run.run_id as never })).toMatchObject({
    status: "pending",
    attempt: 1,
    lease_owner: null,
  });

  const b = await startLoom({ mongoUri: mongoUri(), dbName });
  processes.push(b);
  const sdkB = new Client({ apiUrl: b.url, callerOptions: { maxRetries: 0 } });
  const result = (await sdkB.runs.join(thread.thread_id, run.run_id)) as { steps: string[] };
  expect([...result.steps].sort()).toEqual(["last", "nap", "quick"]);
  const lines = (await readFile(log, "utf8")).split("\n").filter(Boolean);
  expect(lines.filter((l) => l === "quick")).toHaveLength(1);
  expect((await sdkB.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
  await b.stop("SIGKILL");
});
