/**
 * Run webhooks (docs/api.md §5 `webhook`, docs/operations.md "Webhooks") against a real server and a local
 * receiver: the URL is validated before anything is written (422 / InvalidArgument naming `webhook`); a run's end
 * is POSTed once with the Python server's payload, retried after a 500, recorded on the run document; a receiver
 * that keeps failing gets `LOOM_WEBHOOK_ATTEMPTS` POSTs and the delivery is marked failed.
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { call, projectRoot } from "./support.js";

let server: TestServer;
let receiver: WebhookReceiver;
let client: Client;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  server = await startTestServer("api_webhooks", {
    configPath: path.join(projectRoot, "test/api/loom.test.json"),
    webhooks: { attempts: 3, timeoutMs: 5000, backoffMs: 50, recoveryMs: 200 },
  });
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

type Obj = Record<string, unknown>;

/** The run's `webhook` sub-document once its delivery ended (`delivered` or `failed`). */
async function delivery(runId: string): Promise<Obj> {
  const runs = server.testDb.db.collection<{ _id: string; webhook?: Obj }>("runs");
  return until(`webhook outcome of ${runId}`, async () => {
    const doc = await runs.findOne({ _id: runId });
    const state = doc?.webhook?.state;
    return state === "delivered" || state === "failed" ? (doc?.webhook as Obj) : undefined;
  });
}

/** Lets several recovery intervals pass, so a second delivery would have happened by then. */
const settle = () => new Promise((r) => setTimeout(r, 1000));

describe("webhook delivery", () => {
  it("a 500 is retried; the second POST is the one delivery, with the run, its values and times", async () => {
    const thread = await client.threads.create();
    const hook = `${receiver.url}/flaky/joke`;
    const res = await call(server.baseUrl, "POST", `/threads/${thread.thread_id}/runs/wait`, {
      assistant_id: "joke",
      input: {},
      webhook: hook,
    });
    expect(res.status).toBe(200);
    const runId = (res.headers.get("content-location") ?? "").split("/").pop() ?? "";
    const outcome = await delivery(runId);
    expect(outcome).toMatchObject({ state: "delivered", attempts: 2, last_status: 200, last_error: null });
    expect(outcome.delivered_at).toBeInstanceOf(Date);
    await settle();
    const posts = receiver.received("/flaky/joke");
    expect(posts.map((p) => p.answered)).toEqual([500, 200]);
    const body = posts[1]?.body as Obj;
    expect(body).toMatchObject({
      run_id: runId,
      thread_id: thread.thread_id,
      status: "success",
      values: res.body as Obj,
      multitask_strategy: "enqueue",
    });
    expect((body.kwargs as Obj).webhook).toBe(hook);
    for (const key of ["created_at", "updated_at", "run_started_at", "run_ended_at", "webhook_sent_at"]) {
      expect(Number.isNaN(Date.parse(String(body[key]))), key).toBe(false);
    }
    expect(body).not.toHaveProperty("error");
  });

  it("a failed run sends its error and the thread's values", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "fails", {
      input: {},
      webhook: `${receiver.url}/ok/fails`,
    });
    expect((await delivery(run.run_id)).state).toBe("delivered");
    const [post] = receiver.received("/ok/fails");
    expect(post?.body).toMatchObject({
      run_id: run.run_id,
      status: "error",
      error: { error: "CustomError", message: "Boo!" },
    });
  });

  it("a stateless run is delivered before its temporary thread goes", async () => {
    const res = await call(server.baseUrl, "POST", "/runs/wait", {
      assistant_id: "joke",
      input: { topic: "cats" },
      webhook: `${receiver.url}/ok/stateless`,
    });
    expect(res.status).toBe(200);
    const post = await until("stateless webhook", () => receiver.received("/ok/stateless")[0]);
    expect(post.body).toMatchObject({ status: "success", values: { topic: "cats" } });
  });

  it("a cancelled pending run is delivered as interrupted", async () => {
    const thread = await client.threads.create();
    const first = await client.runs.create(thread.thread_id, "slow", { input: {} });
    const queued = await client.runs.create(thread.thread_id, "joke", {
      input: {},
      multitaskStrategy: "enqueue",
      webhook: `${receiver.url}/ok/cancelled`,
    });
    await client.runs.cancel(thread.thread_id, queued.run_id);
    await client.runs.cancel(thread.thread_id, first.run_id, true);
    expect((await delivery(queued.run_id)).state).toBe("delivered");
    expect(receiver.received("/ok/cancelled")[0]?.body).toMatchObject({
      run_id: queued.run_id,
      status: "interrupted",
    });
  });

  it("a receiver that keeps failing gets the configured attempts, then the delivery is failed", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "joke", {
      input: {},
      webhook: `${receiver.url}/down/joke`,
    });
    const outcome = await delivery(run.run_id);
    expect(outcome).toMatchObject({ state: "failed", attempts: 3, last_status: 503, error: "HTTP 503" });
    await settle();
    expect(receiver.received("/down/joke")).toHaveLength(3);
  });
});

describe("webhook validation", () => {
  const bad = [
    "not a url",
    "ftp://example.com/hook",
    "/relative/hook",
    "http://",
    `https://x.test/${"a".repeat(4100)}`,
  ];

  it("every run route answers 422 naming webhook, and writes no run or thread", async () => {
    const thread = await client.threads.create();
    const threadsBefore = await server.testDb.db.collection("threads").countDocuments();
    const newThreadId = "6f1b6f6a-3c1e-4a4e-9d4e-2b1f0c9a7e11";
    const routes = [
      `/threads/${thread.thread_id}/runs`,
      `/threads/${thread.thread_id}/runs/wait`,
      `/threads/${thread.thread_id}/runs/stream`,
      `/threads/${newThreadId}/runs/wait`,
      "/runs",
      "/runs/wait",
      "/runs/stream",
    ];
    for (const route of routes) {
      for (const webhook of bad) {
        const res = await call(server.baseUrl, "POST", route, {
          assistant_id: "joke",
          input: {},
          webhook,
          if_not_exists: "create",
        });
        expect(res.status, `${route} ${webhook.slice(0, 30)}`).toBe(422);
        expect(String((res.body as Obj).detail)).toMatch(/webhook/i);
      }
    }
    expect(await server.testDb.db.collection("runs").countDocuments({ thread_id: thread.thread_id })).toBe(0);
    expect(await server.testDb.db.collection("threads").countDocuments()).toBe(threadsBefore);
  });

  it("over Connect: InvalidArgument", async () => {
    const thread = await client.threads.create();
    const res = await fetch(`${server.baseUrl}/loom.v1.RunsService/Create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ thread_id: thread.thread_id, assistant_id: "joke", webhook: "mailto:a@b.c" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Obj;
    expect(body.code).toBe("invalid_argument");
    expect(String(body.message)).toMatch(/webhook/);
  });
});
