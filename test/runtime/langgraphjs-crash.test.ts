/**
 * Crash recovery of a LangGraph.js graph hosted by Loom (`lg_crash`, the twin of the `crash` graph), with real
 * processes: the Loom process is killed with SIGKILL while the run is inside the slow node `nap`; a second process
 * reclaims the expired lease and resumes the run from the last checkpoint and the pending writes the LangGraph.js
 * checkpointer saved. `quick`, which finished in the interrupted super-step, is not run again; the run ends once
 * (`success`, attempt 2) and the thread's history is one chain with no gap and no duplicate step — the same
 * guarantees `crash-recovery.test.ts` proves for Loom's own engine (docs/runs.md "Leases").
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mongoUri } from "../support/mongo.js";
import { type LoomProcess, startLoom } from "./processes.js";

const dbName = `runtime_lg_crash_${randomBytes(6).toString("hex")}`;
let dir: string;
let client: MongoClient;
const processes: LoomProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loom-lg-crash-"));
  client = await MongoClient.connect(mongoUri());
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await client.db(dbName).dropDatabase();
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

const lines = async (file: string): Promise<string[]> =>
  (await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean);

it("a LangGraph.js run whose process is killed mid-node is finished by another process, once", async () => {
  const env = { LOOM_LEASE_MS: "3000" };
  const a = await startLoom({ mongoUri: mongoUri(), dbName, env });
  processes.push(a);
  const sdkA = new Client({ apiUrl: a.url, callerOptions: { maxRetries: 0 } });
  const log = path.join(dir, "nodes.log");
  const thread = await sdkA.threads.create();
  const run = await sdkA.runs.create(thread.thread_id, "lg_crash", { input: { log, ms: 2500 } });

  // Wait until `quick` finished (its write is saved as a pending write of the checkpoint) while `nap` still sleeps.
  await expect
    .poll(
      async () => {
        const state = await sdkA.threads.getState(thread.thread_id);
        return state.tasks.some((t) => t.name === "quick" && t.result !== undefined && t.result !== null);
      },
      { timeout: 15_000, interval: 50 },
    )
    .toBe(true);
  expect((await lines(log)).sort()).toEqual(["nap", "quick"]);
  const runs = client.db(dbName).collection("runs");
  expect(await runs.findOne({ _id: run.run_id as never })).toMatchObject({ status: "running", attempt: 1 });
  await a.stop("SIGKILL");

  const b = await startLoom({ mongoUri: mongoUri(), dbName, env });
  processes.push(b);
  const sdkB = new Client({ apiUrl: b.url, callerOptions: { maxRetries: 0 } });
  const result = (await sdkB.runs.join(thread.thread_id, run.run_id)) as { steps: string[] };
  expect([...result.steps].sort()).toEqual(["last", "nap", "quick"]);
  expect(result.steps.at(-1)).toBe("last");
  expect((await sdkB.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
  expect(await runs.findOne({ _id: run.run_id as never })).toMatchObject({ attempt: 2, lease_owner: null });
  expect((await sdkB.threads.get(thread.thread_id)).status).toBe("idle");

  // `quick` ran once (its saved write was reused), `nap` twice (killed, then resumed), `last` once.
  const executed = await lines(log);
  expect(executed.filter((l) => l === "quick")).toHaveLength(1);
  expect(executed.filter((l) => l === "nap")).toHaveLength(2);
  expect(executed.filter((l) => l === "last")).toHaveLength(1);

  // History: one checkpoint per super-step, each the parent of the next, no step twice.
  const history = await sdkB.threads.getHistory(thread.thread_id, { limit: 100 });
  const chronological = [...history].reverse();
  const steps = chronological.map((s) => s.metadata?.step as number);
  expect(steps).toEqual(steps.map((_, i) => steps[0] + i));
  expect(steps[0]).toBe(-1);
  for (let i = 1; i < chronological.length; i++) {
    expect(chronological[i]?.parent_checkpoint?.checkpoint_id).toBe(
      chronological[i - 1]?.checkpoint.checkpoint_id,
    );
  }
  expect(new Set(history.map((s) => s.checkpoint.checkpoint_id)).size).toBe(history.length);
  expect(chronological.at(-1)?.values).toMatchObject({ steps: result.steps });
  // Every checkpoint is a native document of the thread, in the one collection Loom's engine writes too.
  const docs = await client
    .db(dbName)
    .collection("checkpoints")
    .countDocuments({ thread_id: thread.thread_id });
  expect(docs).toBe(history.length);
  await b.stop("SIGKILL");
});
