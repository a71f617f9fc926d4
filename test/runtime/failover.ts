/**
 * A replica-set failover under load, shared by the failover scenario files (docs/runs.md "Replica sets and
 * failover"). Two Loom processes on a three-member set (test/support/replica-set.ts), connection string listing all
 * members. Six clients loop through both processes: create a thread, then either a background run or a
 * `/runs/wait` of the two-step `crash` graph; a resumable stream runs across the fault and is resumed with
 * `Last-Event-ID` (on the other process) whenever it drops. The fault is injected ~1.5 s into the load, the load
 * goes on for 3 s after a new primary serves, then everything is read back from the database and checked:
 * - every answer is 200 or a 503 carrying `Retry-After` (never a 500, never a dropped connection);
 * - every acknowledged thread and run exists; every run ends `success` exactly once (one end, attempts counted);
 * - each thread's checkpoints form one chain: one root at step -1, each child's step its parent's + 1, no
 *   checkpoint with two children, the head holding each node's update once;
 * - every wait returned, with the final values when it answered 200;
 * - the stream's events, across resumes, carry strictly increasing ids and end with the run's final values.
 */
import { MongoClient } from "mongodb";
import { expect } from "vitest";
import { startReplicaSet, type TestReplicaSet } from "../support/replica-set.js";
import { type LoomProcess, startLoom } from "./processes.js";

const CLIENTS = 6;
const DB = "failover";

/** What one scenario counted (logged and reported in docs/runs.md). */
export interface FailoverFigures {
  scenario: string;
  /** Answers by HTTP status over the whole load. */
  statuses: Record<string, number>;
  threadsAcknowledged: number;
  runsAcknowledged: number;
  waitsAnswered: number;
  runsInDb: number;
  /** Runs by `attempt` (an attempt above 1: the run was reclaimed after its lease lapsed). */
  attempts: Record<string, number>;
  checkpoints: number;
  streamEvents: number;
  streamResumes: number;
  /** The fault's own description (e.g. old and new primary). */
  fault: string;
}

type Answer = { status: number; json: Record<string, unknown>; retryAfter: string | null };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(90_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, retryAfter: res.headers.get("retry-after") };
}

type Part = { event: string; data: unknown; id: string | undefined };

/** Reads an SSE response's events (one `data:` line per event, docs/api.md). */
async function* sse(res: Response): AsyncGenerator<Part> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      let event = "message";
      let data = "";
      let id: string | undefined;
      for (const line of frame.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
        else if (line.startsWith("id:")) id = line.slice(3).trim();
      }
      if (data !== "") yield { event, data: JSON.parse(data), id };
    }
  }
}

/**
 * A resumable stream started on `a`, resumed on alternating processes with `Last-Event-ID` after each drop (a
 * transport error, a non-200 answer or an `error` event) until it ends; returns its events and the resume count.
 */
async function resilientStream(
  a: LoomProcess,
  b: LoomProcess,
  tid: string,
  input: unknown,
): Promise<{ parts: Part[]; resumes: number; runId: string; unexpected: string[] }> {
  const parts: Part[] = [];
  const unexpected: string[] = [];
  let resumes = 0;
  let runId: string | undefined;
  for (let attempt = 0; attempt < 40; attempt++) {
    const via = attempt % 2 === 0 ? a : b;
    const last = parts.at(-1)?.id;
    try {
      const res =
        runId === undefined
          ? await fetch(`${via.url}/threads/${tid}/runs/stream`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                assistant_id: "crash",
                input,
                stream_mode: ["values", "updates"],
                stream_resumable: true,
              }),
            })
          : await fetch(`${via.url}/threads/${tid}/runs/${runId}/stream`, {
              headers: { "last-event-id": last ?? "-1" },
            });
      if (res.status === 503) {
        await res.body?.cancel();
        await sleep(300);
        resumes++;
        continue;
      }
      if (res.status !== 200) {
        unexpected.push(`stream: ${res.status} ${await res.text()}`);
        return { parts, resumes, runId: runId as string, unexpected };
      }
      let errored = false;
      for await (const p of sse(res)) {
        if (p.event === "error") {
          errored = true;
          break;
        }
        if (p.event === "metadata" && runId === undefined) runId = (p.data as { run_id: string }).run_id;
        // A resume repeats nothing: the stream starts after `Last-Event-ID`.
        if (p.event !== "metadata" || parts.length === 0) parts.push(p);
      }
      if (!errored) return { parts, resumes, runId: runId as string, unexpected };
    } catch {
      // The connection dropped: resume below.
    }
    if (runId === undefined) throw new Error("the stream dropped before its metadata event");
    resumes++;
    await sleep(300);
  }
  throw new Error("stream did not end after 40 attempts");
}

/**
 * Runs one scenario: `fault` gets the set once the load runs and returns a description; resolves with the
 * figures after every assertion above passed.
 */
export async function failoverScenario(
  scenario: string,
  fault: (set: TestReplicaSet) => Promise<string>,
): Promise<FailoverFigures> {
  const set = await startReplicaSet();
  const looms: LoomProcess[] = [];
  const mongo = await MongoClient.connect(set.uri);
  try {
    const env = { LOOM_WORKERS: "4", LOOM_LEASE_MS: "6000", LOOM_POLL_MS: "200" };
    looms.push(...(await Promise.all([0, 1].map(() => startLoom({ mongoUri: set.uri, dbName: DB, env })))));
    const [a, b] = looms as [LoomProcess, LoomProcess];

    const statuses: Record<string, number> = {};
    const bad: string[] = [];
    const threads: string[] = [];
    const runs: string[] = [];
    let waits = 0;
    const record = (what: string, answer: Answer) => {
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status === 503 && answer.retryAfter === null) bad.push(`${what}: 503 without Retry-After`);
      if (answer.status !== 200 && answer.status !== 503)
        bad.push(`${what}: ${answer.status} ${JSON.stringify(answer.json)}`);
      return answer.status === 200;
    };
    let loading = true;
    const client = async (k: number) => {
      for (let i = 0; loading; i++) {
        const via = (k + i) % 2 ? a : b;
        try {
          const t = await call(`${via.url}/threads`, {});
          if (!record("create thread", t)) {
            await sleep(200);
            continue;
          }
          const tid = t.json.thread_id as string;
          threads.push(tid);
          const input = { log: "/dev/null", ms: 150 };
          if (i % 2 === 0) {
            const r = await call(`${via.url}/threads/${tid}/runs`, { assistant_id: "crash", input });
            if (record("create run", r)) runs.push(r.json.run_id as string);
          } else {
            const w = await call(`${via.url}/threads/${tid}/runs/wait`, { assistant_id: "crash", input });
            if (record("wait", w)) {
              waits++;
              expect([...(w.json.steps as string[])].sort()).toEqual(["last", "nap", "quick"]);
            }
          }
        } catch (error) {
          bad.push(`request failed: ${(error as Error).message}`);
          await sleep(200);
        }
      }
    };
    const load = Array.from({ length: CLIENTS }, (_, k) => client(k));
    const streamThread = (await call(`${a.url}/threads`, {})).json.thread_id as string;
    threads.push(streamThread);
    const stream = resilientStream(a, b, streamThread, { log: "/dev/null", ms: 5000 });

    await sleep(1500);
    const described = await fault(set);
    await set.waitForPrimary();
    await sleep(3000);
    loading = false;
    await Promise.all(load);
    const streamed = await stream;

    // Every run ends: read the database through the set.
    const db = mongo.db(DB);
    const deadline = Date.now() + 45_000;
    let docs = await db.collection("runs").find({}).toArray();
    while (docs.some((d) => d.status === "pending" || d.status === "running") && Date.now() < deadline) {
      await sleep(250);
      docs = await db.collection("runs").find({}).toArray();
    }
    const checkpoints = await db.collection("checkpoints").find({ checkpoint_ns: "" }).toArray();
    const attempts: Record<string, number> = {};
    for (const d of docs) attempts[d.attempt as number] = (attempts[d.attempt as number] ?? 0) + 1;
    const figures: FailoverFigures = {
      scenario,
      statuses,
      threadsAcknowledged: threads.length,
      runsAcknowledged: runs.length,
      waitsAnswered: waits,
      runsInDb: docs.length,
      attempts,
      checkpoints: checkpoints.length,
      streamEvents: streamed.parts.length,
      streamResumes: streamed.resumes,
      fault: described,
    };
    console.log(`failover figures: ${JSON.stringify(figures)}`);
    const errors = looms.flatMap((p) =>
      p
        .output()
        .split("\n")
        .filter((l) => /"level":(50|60)/.test(l)),
    );
    if (errors.length > 0) console.log(`Loom errors:\n${errors.join("\n").slice(0, 8000)}`);

    expect([...bad, ...streamed.unexpected]).toEqual([]);
    expect(statuses["200"]).toBeGreaterThan(0);
    expect(docs.filter((d) => d.status !== "success").map((d) => [d._id, d.status])).toEqual([]);
    expect(docs.every((d) => d.lease_owner === null && (d.attempt as number) >= 1)).toBe(true);
    const runIds = new Set(docs.map((d) => String(d._id)));
    expect(runs.filter((id) => !runIds.has(id))).toEqual([]);
    expect(runIds.has(streamed.runId)).toBe(true);
    const threadIds = new Set(
      (
        await db
          .collection("threads")
          .find({}, { projection: { _id: 1 } })
          .toArray()
      ).map((t) => String(t._id)),
    );
    expect(threads.filter((id) => !threadIds.has(id))).toEqual([]);

    const byThread = new Map<string, typeof checkpoints>();
    for (const c of checkpoints) {
      const list = byThread.get(c.thread_id as string) ?? [];
      list.push(c);
      byThread.set(c.thread_id as string, list);
    }
    for (const d of docs) {
      const mine = byThread.get(d.thread_id as string) ?? [];
      const byId = new Map(mine.map((c) => [c.checkpoint_id as string, c]));
      const roots = mine.filter((c) => c.parent_checkpoint_id === null);
      expect(roots.map((c) => c.step)).toEqual([-1]);
      const parents = mine.map((c) => c.parent_checkpoint_id as string | null);
      expect(new Set(parents).size).toBe(parents.length);
      for (const c of mine) {
        if (c.parent_checkpoint_id === null) continue;
        const parent = byId.get(c.parent_checkpoint_id as string);
        expect(parent).toBeDefined();
        expect(c.step).toBe((parent?.step as number) + 1);
      }
      const head = mine.reduce((x, y) => (x.checkpoint_id > y.checkpoint_id ? x : y));
      expect([...(head.values.steps as string[])].sort()).toEqual(["last", "nap", "quick"]);
    }

    const ids = streamed.parts.map((p) => p.id).filter((id): id is string => id !== undefined);
    // Event ids are the run's event sequence numbers: strictly increasing means no repeat and no reorder.
    const seqs = ids.map(Number);
    expect(seqs.every((n, i) => i === 0 || n > (seqs[i - 1] as number))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const lastValues = streamed.parts.filter((p) => p.event === "values").at(-1);
    expect([...((lastValues?.data as { steps?: string[] } | undefined)?.steps ?? [])].sort()).toEqual([
      "last",
      "nap",
      "quick",
    ]);
    return figures;
  } finally {
    for (const loom of looms) await loom.stop("SIGKILL");
    await mongo.close().catch(() => undefined);
    await set.stop();
  }
}
