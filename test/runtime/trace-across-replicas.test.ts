/**
 * A run's trace crosses replicas through the run document: a background run created on process A (no workers,
 * so it only queues) and executed on process B (a worker) has its `loom.run` span, exported by B, as a child of
 * A's request span in the caller's trace. Both processes export over OTLP/HTTP (JSON) to a receiver this test runs,
 * as a collector would receive them.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type net from "node:net";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mongoUri } from "../support/mongo.js";
import { type LoomProcess, startLoom } from "./processes.js";

/** The few OTLP JSON fields read here. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

const dbName = `runtime_trace_${randomBytes(6).toString("hex")}`;
const received: OtlpSpan[] = [];
let receiver: http.Server;
let loom: LoomProcess[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const data = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: Array<Omit<OtlpSpan, "service">> }>;
        }>;
      };
      for (const rs of data.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
        for (const ss of rs.scopeSpans) for (const s of ss.spans) received.push({ ...s, service });
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}`;
  const common = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: "100" };
  loom = await Promise.all([
    startLoom({
      mongoUri: mongoUri(),
      dbName,
      env: { ...common, LOOM_WORKERS: "0", OTEL_SERVICE_NAME: "loom-a" },
    }),
    startLoom({
      mongoUri: mongoUri(),
      dbName,
      env: { ...common, LOOM_WORKERS: "2", OTEL_SERVICE_NAME: "loom-b" },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all(loom.map((p) => p.stop("SIGKILL")));
  await new Promise((resolve) => receiver.close(resolve));
  const client = await MongoClient.connect(mongoUri());
  await client.db(dbName).dropDatabase();
  await client.close();
});

it("a run created on A and executed on B continues A's request trace", async () => {
  const [a, b] = loom as [LoomProcess, LoomProcess];
  const traceId = randomBytes(16).toString("hex");
  const callerSpan = randomBytes(8).toString("hex");
  const thread = (await (
    await fetch(`${a.url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    })
  ).json()) as { thread_id: string };
  const created = await fetch(`${a.url}/threads/${thread.thread_id}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${traceId}-${callerSpan}-01` },
    body: JSON.stringify({ assistant_id: "tick", input: { n: 1 } }),
  });
  expect(created.status).toBe(200);
  const run = (await created.json()) as { run_id: string };
  const joined = await fetch(`${b.url}/threads/${thread.thread_id}/runs/${run.run_id}/join`);
  expect(joined.status).toBe(200);

  await expect
    .poll(() => received.some((s) => s.traceId === traceId && s.name === "loom.run"), { timeout: 15_000 })
    .toBe(true);
  const spans = received.filter((s) => s.traceId === traceId);
  const request = spans.find((s) => s.name === "POST /threads/{thread_id}/runs");
  expect(request?.service).toBe("loom-a");
  expect(request?.parentSpanId).toBe(callerSpan);
  const runSpan = spans.find((s) => s.name === "loom.run");
  expect(runSpan?.service).toBe("loom-b");
  expect(runSpan?.parentSpanId).toBe(request?.spanId);
  await expect
    .poll(() => received.filter((s) => s.traceId === traceId && s.name.startsWith("loom.node ")).length, {
      timeout: 15_000,
    })
    .toBeGreaterThan(0);
  expect(
    received
      .filter((s) => s.traceId === traceId && s.name === "loom.step")
      .every((s) => s.service === "loom-b"),
  ).toBe(true);
});
