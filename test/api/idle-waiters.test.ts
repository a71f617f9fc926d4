/**
 * Idle waiters cost a constant, not a multiple: SSE join streams, gRPC `JoinStream` calls and REST
 * joins held on one pending run share the run's hub, and while the change stream is live nothing polls per waiter.
 * The server's own MongoDB commands are counted over two idle windows, with 15 and then 150 waiters: the count
 * does not grow with the waiters. Then the run proceeds: every stream gets every event, in order, with its id, and
 * ends; every join answers; no waiter is left.
 */
import http from "node:http";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createParser } from "eventsource-parser";
import type { CommandStartedEvent } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { until } from "../support/until.js";
import { call, type MonitoredApiServer, startMonitoredApiServer } from "./support.js";

let server: MonitoredApiServer;
let commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  server = await startMonitoredApiServer("api_idle_waiters", (e) => commands.push(e));
});
afterAll(async () => {
  await server?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The commands the server sends during `ms` of idling, by name (`find runs`, `getMore`, …). */
async function idleCommands(ms: number): Promise<string[]> {
  await sleep(300); // let the opening reads of the last waiters finish
  commands = [];
  await sleep(ms);
  return commands.map((c) => {
    const target = c.command[c.commandName];
    return typeof target === "string" ? `${c.commandName} ${target}` : c.commandName;
  });
}

/** Reads of a run or its events: what a waiter polling on its own would multiply. */
const reads = (names: string[]) => names.filter((n) => /^(find|aggregate|count) (runs|run_events)$/.test(n));

/** One SSE join with `Last-Event-ID: -1`: resolves with its `[id, event]` pairs once the stream ended. */
function sseJoin(path: string): Promise<[string | undefined, string][]> {
  return new Promise((resolve, reject) => {
    const seen: [string | undefined, string][] = [];
    const parser = createParser({ onEvent: (e) => seen.push([e.id, e.event ?? "message"]) });
    const req = http.get(`${server.baseUrl}${path}`, { headers: { "last-event-id": "-1" } }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => parser.feed(chunk));
      res.on("end", () => resolve(seen));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

it("15 → 150 idle waiters on a pending run: the server's reads do not grow; then every stream gets every event and ends", {
  timeout: 60_000,
}, async () => {
  const B = server.baseUrl;
  const thread = (await call(B, "POST", "/threads", {})).body as { thread_id: string };
  const threadId = thread.thread_id;
  // Pending for a while: a run delayed by `after_seconds`, claimed by a worker once it is due.
  const run = (
    await call(B, "POST", `/threads/${threadId}/runs`, {
      assistant_id: "slow",
      input: { ms: 50 },
      stream_mode: ["values", "updates"],
      stream_resumable: true,
      after_seconds: 7,
    })
  ).body as { run_id: string; status: string };
  expect(run.status).toBe("pending");
  const runId = run.run_id;
  const runs = createClient(RunsService, createGrpcTransport({ baseUrl: B }));

  const streams: Promise<[string | undefined, string][]>[] = [];
  const grpcStreams: Promise<[string, string][]>[] = [];
  const joins: Promise<unknown>[] = [];
  function open(n: number): void {
    for (let i = 0; i < n; i++) {
      streams.push(sseJoin(`/threads/${threadId}/runs/${runId}/stream`));
      grpcStreams.push(
        (async () => {
          const parts: [string, string][] = [];
          const call = runs.joinStream({ threadId, runId }, { headers: { "last-event-id": "-1" } });
          for await (const part of call) parts.push([part.id, part.event]);
          return parts;
        })(),
      );
      joins.push(call(B, "GET", `/threads/${threadId}/runs/${runId}/join`).then((r) => r.body));
    }
  }

  open(5);
  await until("15 waiters", () => server.waiters() === 15);
  const few = await idleCommands(2000);
  open(45);
  await until("150 waiters", () => server.waiters() === 150);
  const many = await idleCommands(2000);
  // Whatever polls on its own (the worker pool, the change stream's getMore) polls once per process: ten times the
  // waiters add nothing; reads of the run or its log stay within a constant (none while the stream is live).
  expect(many.length, `15 waiters: ${few.join(", ")}\n150 waiters: ${many.join(", ")}`).toBeLessThanOrEqual(
    few.length + 3,
  );
  expect(reads(many).length, many.join(", ")).toBeLessThanOrEqual(2);

  const sse = await Promise.all(streams);
  const grpc = await Promise.all(grpcStreams);
  const joined = await Promise.all(joins);
  const reference = sse[0] ?? [];
  expect(reference.map(([, event]) => event)).toEqual(["metadata", "values", "updates", "values"]);
  const ids = reference.map(([id]) => Number(id));
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  for (const events of sse) expect(events).toEqual(reference);
  for (const parts of grpc) expect(parts).toEqual(reference);
  for (const body of joined) expect(body).toMatchObject({ ms: 50, done: true });
  await until("no waiter left", () => server.waiters() === 0);
});
