/**
 * OpenTelemetry traces of the real app (docs/operations.md "Traces") with an in-memory span exporter: a REST
 * `runs/wait` sent with a `traceparent` yields one trace from the request span through the run, its super-steps
 * and its node spans, with MongoDB command spans below them; Connect and gRPC requests continue the caller's
 * trace from their header / metadata and carry their RPC code.
 */

import { randomBytes } from "node:crypto";
import path from "node:path";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { grpc, grpcClients } from "../support/grpc-client.js";
import { mongoUri } from "../support/mongo.js";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let client: MongoClient;
let app: App;
let url = "";
let port = 0;
const dbName = `tracing_${randomBytes(6).toString("hex")}`;

beforeAll(async () => {
  provider.register();
  client = await MongoClient.connect(mongoUri(), { monitorCommands: true });
  app = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: client.db(dbName),
    bodyLimitBytes: 1024 * 1024,
    registry: await loadGraphRegistry(path.join(import.meta.dirname, "loom.test.json")),
    tracerProvider: provider,
  });
  const address = await app.listen(0, "127.0.0.1");
  port = address.port;
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app.close(2000);
  await client.db(dbName).dropDatabase();
  await client.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** A caller's W3C trace context: version 00, a fresh trace id, the caller's span id, sampled. */
function callerContext() {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

function spansOf(traceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

it("REST runs/wait: one trace from the request to the run, its steps, its nodes and MongoDB commands", async () => {
  const thread = (await (
    await fetch(`${url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    })
  ).json()) as {
    thread_id: string;
  };
  const caller = callerContext();
  const res = await fetch(`${url}/threads/${thread.thread_id}/runs/wait`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: caller.traceparent },
    body: JSON.stringify({ assistant_id: "joke", input: {} }),
  });
  const body = await res.text();
  expect(res.status, body).toBe(200);
  expect((JSON.parse(body) as { topic: string }).topic).toBe("socks");
  // The run span ends just after the answer is written.
  await expect.poll(() => spansOf(caller.traceId).some((s) => s.name === "loom.run")).toBe(true);
  const spans = spansOf(caller.traceId);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));

  const request = spans.find((s) => s.name === "POST /threads/{thread_id}/runs/wait");
  expect(request).toBeDefined();
  expect(parentOf(request as ReadableSpan)).toBe(caller.spanId);
  expect(request?.attributes["http.response.status_code"]).toBe(200);
  const requestId = request?.spanContext().spanId;

  const run = spans.find((s) => s.name === "loom.run") as ReadableSpan;
  expect(parentOf(run)).toBe(requestId);
  expect(run.attributes["loom.thread_id"]).toBe(thread.thread_id);
  expect(run.attributes["loom.run.status"]).toBe("success");

  const steps = spans.filter((s) => s.name === "loom.step");
  expect(steps.map((s) => s.attributes["loom.tasks"])).toEqual([
    ["__start__"],
    ["generate_topic"],
    ["write_joke"],
  ]);
  for (const step of steps) expect(parentOf(step)).toBe(run.spanContext().spanId);
  const nodes = spans.filter((s) => s.name.startsWith("loom.node "));
  expect(nodes.map((s) => s.name).sort()).toEqual([
    "loom.node __start__",
    "loom.node generate_topic",
    "loom.node write_joke",
  ]);
  for (const node of nodes) {
    const step = byId.get(parentOf(node) ?? "");
    expect(step?.name).toBe("loom.step");
    expect(node.attributes["loom.task.outcome"]).toBe("done");
  }

  // MongoDB commands of the request and of the run (the run's creation, its checkpoints, its end).
  const mongo = spans.filter((s) => s.attributes["db.system.name"] === "mongodb");
  expect(mongo.length).toBeGreaterThan(0);
  const ancestors = (s: ReadableSpan): string[] => {
    const p = byId.get(parentOf(s) ?? "");
    return p ? [p.name, ...ancestors(p)] : [];
  };
  expect(mongo.every((s) => ancestors(s).includes(request?.name as string))).toBe(true);
  expect(mongo.filter((s) => ancestors(s).includes("loom.run")).length).toBeGreaterThan(0);
  expect(mongo.map((s) => s.name)).toContainEqual(expect.stringMatching(/^(insert|update|findAndModify) /));
});

it("Connect and gRPC requests continue the caller's trace (header, metadata) with their code", async () => {
  const connect = callerContext();
  const res = await fetch(`${url}/loom.v1.ThreadsService/Get`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: connect.traceparent },
    body: JSON.stringify({ thread_id: "00000000-0000-0000-0000-000000000000" }),
  });
  expect(res.status).toBe(404);
  await expect.poll(() => spansOf(connect.traceId).length).toBeGreaterThan(0);
  const connectSpan = spansOf(connect.traceId).find((s) => s.name === "loom.v1.ThreadsService/Get");
  expect(connectSpan && parentOf(connectSpan)).toBe(connect.spanId);
  expect(connectSpan?.attributes["rpc.grpc.status_code"]).toBe(grpc.status.NOT_FOUND);

  const g = callerContext();
  const clients = grpcClients(port);
  // The caller's context as gRPC metadata, the way an OpenTelemetry-instrumented client sends it.
  const withTraceparent: grpc.Interceptor = (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("traceparent", g.traceparent);
        next(metadata, listener);
      },
    });
  try {
    await clients.call("ThreadsService", "Create", {}, { interceptors: [withTraceparent] });
  } finally {
    clients.close();
  }
  await expect.poll(() => spansOf(g.traceId).length).toBeGreaterThan(0);
  const grpcSpan = spansOf(g.traceId).find((s) => s.name === "loom.v1.ThreadsService/Create");
  expect(grpcSpan && parentOf(grpcSpan)).toBe(g.spanId);
  expect(grpcSpan?.attributes["rpc.grpc.status_code"]).toBe(grpc.status.OK);
});
