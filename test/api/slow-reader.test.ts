/**
 * A slow stream reader cannot grow the server's memory without bound: the REST bridge writes SSE only
 * as the socket drains, gRPC server streaming only as HTTP/2 flow control allows, and both pull the run's event log
 * one page (100 events) at a time as they write. A client that stops reading a 32 MB stream leaves the server
 * holding what the transport buffers take plus one page: it stops reading the log well before the end; once the
 * client reads again, every event arrives, in order.
 */
import http from "node:http";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { call, type MonitoredApiServer, startMonitoredApiServer } from "./support.js";

const EVENTS = 4000;
const SIZE = 8 * 1024;
const PAGE = 100;
const totalPages = Math.ceil(EVENTS / PAGE);

let server: MonitoredApiServer;
/** `find` commands on the event log by the server's own client: one per page a reader pulled. */
let pagesRead = 0;

beforeAll(async () => {
  server = await startMonitoredApiServer("api_slow_reader", (e) => {
    if (e.commandName === "find" && e.command.find === "run_events") pagesRead++;
  });
});
afterAll(async () => {
  await server?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A finished `chatty` run that logged EVENTS custom events of SIZE characters: its thread and run ids. */
async function chattyRun(): Promise<{ threadId: string; runId: string }> {
  const B = server.baseUrl;
  const thread = (await call(B, "POST", "/threads", {})).body as { thread_id: string };
  const run = (
    await call(B, "POST", `/threads/${thread.thread_id}/runs`, {
      assistant_id: "chatty",
      input: { n: EVENTS, size: SIZE },
      stream_mode: ["custom"],
      stream_resumable: true,
    })
  ).body as { run_id: string };
  const joined = await call(B, "GET", `/threads/${thread.thread_id}/runs/${run.run_id}/join`);
  expect(joined.body).toMatchObject({ done: true });
  return { threadId: thread.thread_id, runId: run.run_id };
}

/** Waits until the server stops pulling pages of the log (it is blocked on the transport); returns the count. */
async function pagesWhenStalled(): Promise<number> {
  let before = -1;
  while (pagesRead !== before) {
    before = pagesRead;
    await sleep(500);
  }
  return pagesRead;
}

it("SSE: a paused client holds the server to a few pages; resumed, it gets every event in order", {
  timeout: 60_000,
}, async () => {
  const { threadId, runId } = await chattyRun();
  pagesRead = 0;
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(`${server.baseUrl}/threads/${threadId}/runs/${runId}/stream`, {
      headers: { "last-event-id": "-1" },
    });
    req.on("response", resolve);
    req.on("error", reject);
  });
  expect(response.statusCode).toBe(200);
  response.pause(); // the client reads nothing for now
  const stalled = await pagesWhenStalled();
  expect(stalled).toBeGreaterThan(0);
  expect(stalled).toBeLessThanOrEqual(totalPages / 2);

  const custom: number[] = [];
  const ids: number[] = [];
  const parser = createParser({
    onEvent(event) {
      if (event.event !== "custom") return;
      custom.push((JSON.parse(event.data) as { i: number }).i);
      if (event.id !== undefined) ids.push(Number(event.id));
    },
  });
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => parser.feed(chunk));
  await new Promise<void>((resolve, reject) => {
    response.on("end", resolve);
    response.on("error", reject);
    response.resume();
  });
  expect(custom).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(pagesRead).toBeGreaterThanOrEqual(totalPages);
});

it("gRPC JoinStream: HTTP/2 flow control holds the server back the same way", {
  timeout: 60_000,
}, async () => {
  const { threadId, runId } = await chattyRun();
  const runs = createClient(RunsService, createGrpcTransport({ baseUrl: server.baseUrl }));
  pagesRead = 0;
  const stream = runs.joinStream({ threadId, runId }, { headers: { "last-event-id": "-1" } });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next(); // the call is open; now the client stops pulling
  expect(first.done).toBe(false);
  const stalled = await pagesWhenStalled();
  expect(stalled).toBeGreaterThan(0);
  expect(stalled).toBeLessThanOrEqual(totalPages / 2);

  const custom: number[] = [];
  for (let part = first; !part.done; part = await iterator.next()) {
    if (part.value.event !== "custom") continue;
    const data = part.value.data ? (toJson(ValueSchema, part.value.data) as { i: number }) : undefined;
    custom.push(Number(data?.i));
  }
  expect(custom).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
  expect(pagesRead).toBeGreaterThanOrEqual(totalPages);
});
