/**
 * The thread stream, docs/api.md §7 "Thread stream" (`GET /threads/{thread_id}/stream`, `ThreadsService.Stream`):
 * the JS SDK's `threads.joinStream` and a grpc-js client see the events of consecutive runs of a thread, one of them
 * started on a second app on the same database; `Last-Event-ID` resumes; bad input is refused and writes nothing.
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { snapshotDb } from "../support/db-snapshot.js";
import { fromValue, type GrpcClients, grpcClients, type RawMessage } from "../support/grpc-client.js";
import { type ApiServer, call, projectRoot, startApiServer } from "./support.js";

let server: ApiServer;
let second: App;
let a: Client;
let b: Client;
let grpc: GrpcClients;

beforeAll(async () => {
  server = await startApiServer("api_thread_stream");
  second = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: server.testDb.db,
    bodyLimitBytes: 1024 * 1024,
    registry: await loadGraphRegistry(path.join(projectRoot, "test/api/loom.test.json")),
  });
  const address = await second.listen(0, "127.0.0.1");
  a = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
  b = new Client({ apiUrl: `http://127.0.0.1:${address.port}`, callerOptions: { maxRetries: 0 } });
  grpc = grpcClients(server.port);
});
afterAll(async () => {
  grpc?.close();
  await second?.close(2_000);
  await server?.close();
});

interface Part {
  event: string;
  data: unknown;
  id?: string | undefined;
}

/**
 * Joins the thread's stream with the JS SDK and reads it in the background until `runDone` `run_done` events
 * arrived; then leaves (aborts the request: the stream itself never ends while the thread lives).
 */
function collect(
  client: Client,
  threadId: string,
  runDone: number,
  options: { lastEventId?: string; streamMode?: "lifecycle" } = {},
) {
  const leave = new AbortController();
  const parts = client.threads.joinStream(threadId, { ...options, signal: leave.signal });
  const done = (async () => {
    const seen: Part[] = [];
    let ends = 0;
    for await (const p of parts) {
      seen.push({ event: p.event, data: p.data, id: p.id });
      if (p.event === "metadata" && (p.data as { status?: string }).status === "run_done") ends++;
      if (ends >= runDone) break;
    }
    leave.abort();
    return seen;
  })();
  return { done };
}

/** Runs `joke` in the background on `client` and waits until it ended. */
async function jokeRun(client: Client, threadId: string, topic: string): Promise<string> {
  const run = await client.runs.create(threadId, "joke", { input: { topic } });
  await client.runs.join(threadId, run.run_id);
  return run.run_id;
}

/** Waits until no stream of an earlier test is still open on the first app (its waiters back to 0). */
async function settled(): Promise<void> {
  await expect.poll(() => server.waiters(), { timeout: 10_000 }).toBe(0);
}

const runDone = (runId: string) => ({ event: "metadata", data: { status: "run_done", run_id: runId } });

describe("thread stream", () => {
  it("JS SDK joinStream sees two consecutive runs (the second on another app), then resumes with lastEventId", async () => {
    const thread = await a.threads.create();
    await settled();
    const live = collect(a, thread.thread_id, 2);
    // Joined once it counts as a waiter: every run created from then on is streamed.
    await expect.poll(() => server.waiters(), { timeout: 10_000 }).toBeGreaterThan(0);
    const first = await jokeRun(a, thread.thread_id, "cats");
    const secondRun = await jokeRun(b, thread.thread_id, "dogs");
    const parts = await live.done;

    const ofRun = (runId: string) => parts.filter((p) => p.id?.startsWith(`${runId}:`));
    for (const [runId, topic] of [
      [first, "cats"],
      [secondRun, "dogs"],
    ] as const) {
      const own = ofRun(runId);
      expect(own[0]).toMatchObject({ event: "metadata", data: { run_id: runId, attempt: 1 } });
      expect(own.at(-1)).toMatchObject({ ...runDone(runId), id: `${runId}:done` });
      const values = own.filter((p) => p.event === "values").at(-1)?.data as { joke?: string };
      expect(values.joke).toContain(topic);
    }
    // Run after run, in creation order: all of the first run's events come before the second's.
    expect(parts.map((p) => p.id?.split(":")[0])).toEqual([
      ...ofRun(first).map(() => first),
      ...ofRun(secondRun).map(() => secondRun),
    ]);

    // Resuming after the first run's first `values` event replays exactly what followed it.
    const cut = parts.findIndex((p) => p.event === "values");
    const resumed = await collect(a, thread.thread_id, 2, { lastEventId: parts[cut]?.id as string }).done;
    expect(resumed).toEqual(parts.slice(cut + 1));
    // After the first run's end: the second run alone.
    const afterFirst = await collect(b, thread.thread_id, 1, { lastEventId: `${first}:done` }).done;
    expect(afterFirst).toEqual(ofRun(secondRun));
  });

  it("stream_mode lifecycle keeps the metadata that opens and closes each run; '-' replays every run", async () => {
    const thread = await a.threads.create();
    const r1 = await jokeRun(a, thread.thread_id, "owls");
    const r2 = await jokeRun(b, thread.thread_id, "bats");
    const parts = await collect(a, thread.thread_id, 2, { lastEventId: "-", streamMode: "lifecycle" }).done;
    expect(parts.map(({ event, data }) => ({ event, data }))).toEqual([
      { event: "metadata", data: { run_id: r1, attempt: 1 } },
      runDone(r1),
      { event: "metadata", data: { run_id: r2, attempt: 1 } },
      runDone(r2),
    ]);
  });

  it("gRPC ThreadsService.Stream streams a run started after the join, with last_event_id resuming", async () => {
    const thread = await a.threads.create();
    await settled();
    const stream = grpc.stream("ThreadsService", "Stream", { thread_id: thread.thread_id });
    const parts: Part[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("data", (m: RawMessage) => {
        const data = fromValue(m.data as RawMessage);
        parts.push({ event: m.event as string, data, id: m.id as string });
        if ((data as { status?: string } | null)?.status === "run_done") {
          stream.cancel();
          resolve();
        }
      });
      stream.on("error", (e: { code?: number }) => (e.code === 1 ? resolve() : reject(e)));
    });
    await expect.poll(() => server.waiters(), { timeout: 10_000 }).toBeGreaterThan(0);
    const runId = await jokeRun(b, thread.thread_id, "fish");
    await ended;
    expect(parts[0]).toMatchObject({
      event: "metadata",
      data: { run_id: runId, attempt: 1 },
      id: `${runId}:0`,
    });
    expect(parts.at(-1)).toMatchObject({ ...runDone(runId), id: `${runId}:done` });

    const again = grpc.stream("ThreadsService", "Stream", {
      thread_id: thread.thread_id,
      last_event_id: `${runId}:0`,
      stream_mode: ["lifecycle"],
    });
    const first = await new Promise<RawMessage>((resolve, reject) => {
      again.once("data", resolve);
      again.once("error", reject);
    });
    again.cancel();
    again.on("error", () => undefined);
    expect(fromValue(first.data as RawMessage)).toEqual(runDone(runId).data);
  });

  it("an idle thread's stream answers 200 with SSE headers at once, and ends when the thread is deleted", async () => {
    const thread = await a.threads.create();
    await jokeRun(a, thread.thread_id, "moths");
    const res = await fetch(`${server.baseUrl}/threads/${thread.thread_id}/stream`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const body = res.text();
    expect((await a.threads.get(thread.thread_id)).status).toBe("idle");
    await a.threads.delete(thread.thread_id);
    expect(await body).not.toContain("event:");
  });

  it("refuses bad input (unknown thread 404, non-UUID, unknown mode, bad Last-Event-ID 422) and writes nothing", async () => {
    const thread = await a.threads.create();
    const snapshot = await snapshotDb(server.testDb.db);
    const unknown = "00000000-0000-4000-8000-000000000001";
    const missing = await call(server.baseUrl, "GET", `/threads/${unknown}/stream`);
    expect(missing.status).toBe(404);
    const notUuid = await call(server.baseUrl, "GET", "/threads/not-a-uuid/stream");
    expect(notUuid.status).toBe(422);
    expect(JSON.stringify(notUuid.body)).toContain("thread_id");
    const mode = await call(server.baseUrl, "GET", `/threads/${thread.thread_id}/stream?stream_mode=values`);
    expect(mode).toMatchObject({ status: 422, body: { detail: "Invalid stream mode: values" } });
    const res = await fetch(`${server.baseUrl}/threads/${thread.thread_id}/stream`, {
      headers: { "last-event-id": "12-x" },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: string }).detail).toContain("last-event-id");
    const code = await new Promise<number | undefined>((resolve) => {
      const s = grpc.stream("ThreadsService", "Stream", { thread_id: unknown });
      s.on("data", () => resolve(undefined));
      s.on("error", (e: { code?: number }) => resolve(e.code));
    });
    expect(code).toBe(5);
    expect(await snapshotDb(server.testDb.db)).toEqual(snapshot);
  });
});
