/**
 * Multitask strategies and cancellation through the JS SDK (docs/api.md §5 "Multitask", docs/api.md §3
 * cancel, docs/api.md §8e): reject (409), enqueue (the default; runs one after the other), interrupt (the running run ends `interrupted`
 * with its completed steps kept), rollback (the running run and its checkpoints are removed), cancel with
 * `action=interrupt|rollback` and `wait`, cancelling a pending run, and DELETE of a running run; `after_seconds`
 * and `if_not_exists: "create"` (docs/api.md §5); join-stream `cancel_on_disconnect`.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../api/support.js";

let server: ApiServer;
let sdk: Client;

beforeAll(async () => {
  server = await startApiServer("runtime_multitask");
  sdk = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

async function untilStatus(threadId: string, runId: string, status: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await sdk.runs.get(threadId, runId)).status === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`run ${runId} never became ${status}`);
}

/** A thread whose first run sleeps `ms` and is running. */
async function busyThread(ms = 10_000) {
  const thread = await sdk.threads.create();
  const first = await sdk.runs.create(thread.thread_id, "slow", { input: { ms } });
  await untilStatus(thread.thread_id, first.run_id, "running");
  return { threadId: thread.thread_id, first };
}

async function runIdsOfHistory(threadId: string): Promise<string[]> {
  const history = await sdk.threads.getHistory(threadId, { limit: 100 });
  return [...new Set(history.map((s) => s.metadata?.run_id as string))];
}

describe("multitask strategies", () => {
  it("reject: a second run on a busy thread is refused with 409", async () => {
    const { threadId, first } = await busyThread();
    await expect(
      sdk.runs.create(threadId, "slow", { input: { ms: 1 }, multitaskStrategy: "reject" }),
    ).rejects.toThrow(/409/);
    await sdk.runs.cancel(threadId, first.run_id, true);
  });

  it("enqueue: the second run waits for the first and then runs on its result", async () => {
    const { threadId, first } = await busyThread(300);
    const second = await sdk.runs.create(threadId, "slow", {
      input: { ms: 1 },
      multitaskStrategy: "enqueue",
    });
    expect(second.status).toBe("pending");
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("running");
    expect(await sdk.runs.join(threadId, second.run_id)).toEqual({ ms: 1, done: true });
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("success");
    expect((await sdk.runs.get(threadId, second.run_id)).status).toBe("success");
    const history = await sdk.threads.getHistory(threadId, { limit: 100 });
    const firstEnd = history.find((s) => s.metadata?.run_id === first.run_id);
    const secondInput = history.findLast((s) => s.metadata?.run_id === second.run_id);
    expect(secondInput?.parent_checkpoint?.checkpoint_id).toBe(firstEnd?.checkpoint.checkpoint_id);
    expect((await sdk.threads.get(threadId)).status).toBe("idle");
  });

  it("no multitask_strategy: enqueued like langgraph-api's default, recorded as enqueue", async () => {
    const { threadId, first } = await busyThread(300);
    const res = await fetch(`${server.baseUrl}/threads/${threadId}/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "slow", input: { ms: 1 } }),
    });
    expect(res.status).toBe(200);
    const second = (await res.json()) as { run_id: string; status: string; multitask_strategy: string };
    expect(second.status).toBe("pending");
    expect(second.multitask_strategy).toBe("enqueue");
    expect(await sdk.runs.join(threadId, second.run_id)).toEqual({ ms: 1, done: true });
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("success");
  });

  it("enqueue with a stream: answered at once, then the run's events once a worker starts it", async () => {
    const { threadId, first } = await busyThread(300);
    const events: Array<{ event: string; data: unknown }> = [];
    for await (const part of sdk.runs.stream(threadId, "slow", {
      input: { ms: 1 },
      multitaskStrategy: "enqueue",
    })) {
      events.push(part);
    }
    expect(events[0]?.event).toBe("metadata");
    expect(events.filter((e) => e.event === "metadata")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ event: "values", data: { ms: 1, done: true } });
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("success");
  });

  it("interrupt: the running run ends interrupted, its completed steps kept; the new one runs", async () => {
    const { threadId, first } = await busyThread();
    const second = await sdk.runs.create(threadId, "slow", {
      input: { ms: 1 },
      multitaskStrategy: "interrupt",
    });
    expect(await sdk.runs.join(threadId, second.run_id)).toEqual({ ms: 1, done: true });
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("interrupted");
    expect((await sdk.runs.get(threadId, second.run_id)).status).toBe("success");
    expect(await runIdsOfHistory(threadId)).toEqual([second.run_id, first.run_id]);
  });

  it("rollback: the running run and its checkpoints are removed; the new one runs", async () => {
    const { threadId, first } = await busyThread();
    const second = await sdk.runs.create(threadId, "slow", {
      input: { ms: 1 },
      multitaskStrategy: "rollback",
    });
    expect(await sdk.runs.join(threadId, second.run_id)).toEqual({ ms: 1, done: true });
    await expect(sdk.runs.get(threadId, first.run_id)).rejects.toThrow(/404/);
    expect(await runIdsOfHistory(threadId)).toEqual([second.run_id]);
    expect((await sdk.runs.list(threadId)).map((r) => r.run_id)).toEqual([second.run_id]);
  });

  it("interrupt and rollback on a thread with a pending run: it is interrupted / deleted at once", async () => {
    const { threadId, first } = await busyThread();
    const queued = await sdk.runs.create(threadId, "slow", {
      input: { ms: 1 },
      multitaskStrategy: "enqueue",
    });
    const third = await sdk.runs.create(threadId, "slow", {
      input: { ms: 1 },
      multitaskStrategy: "interrupt",
    });
    expect((await sdk.runs.get(threadId, queued.run_id)).status).toBe("interrupted");
    expect(await sdk.runs.join(threadId, third.run_id)).toEqual({ ms: 1, done: true });
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("interrupted");
  });
});

describe("cancel", () => {
  it("action=interrupt with wait: the run is interrupted, its steps kept, the thread free", async () => {
    const { threadId, first } = await busyThread();
    await sdk.runs.cancel(threadId, first.run_id, true, "interrupt");
    expect((await sdk.runs.get(threadId, first.run_id)).status).toBe("interrupted");
    expect(await runIdsOfHistory(threadId)).toEqual([first.run_id]);
    expect((await sdk.threads.get(threadId)).status).not.toBe("busy");
  });

  it("action=rollback with wait: the run and its checkpoints are gone, the thread idle", async () => {
    const { threadId, first } = await busyThread();
    await sdk.runs.cancel(threadId, first.run_id, true, "rollback");
    await expect(sdk.runs.get(threadId, first.run_id)).rejects.toThrow(/404/);
    expect(await sdk.threads.getHistory(threadId)).toEqual([]);
    expect((await sdk.threads.get(threadId)).status).toBe("idle");
  });

  it("without wait: accepted at once; the run stops soon after", async () => {
    const { threadId, first } = await busyThread();
    await sdk.runs.cancel(threadId, first.run_id, false);
    await untilStatus(threadId, first.run_id, "interrupted");
  });

  it("a pending run is interrupted at once; the running one goes on", async () => {
    const { threadId, first } = await busyThread(500);
    const queued = await sdk.runs.create(threadId, "slow", {
      input: { ms: 1 },
      multitaskStrategy: "enqueue",
    });
    await sdk.runs.cancel(threadId, queued.run_id);
    expect((await sdk.runs.get(threadId, queued.run_id)).status).toBe("interrupted");
    expect(await sdk.runs.join(threadId, first.run_id)).toEqual({ ms: 500, done: true });
    expect((await sdk.threads.get(threadId)).status).toBe("idle");
  });

  it("join-stream with cancel_on_disconnect: the run is cancelled when the client goes away", async () => {
    const { threadId, first } = await busyThread();
    const controller = new AbortController();
    const parts = sdk.runs.joinStream(threadId, first.run_id, {
      cancelOnDisconnect: true,
      signal: controller.signal,
    });
    const it = parts[Symbol.asyncIterator]();
    expect((await it.next()).value?.event).toBe("metadata");
    controller.abort();
    await it.return?.(undefined).catch(() => undefined);
    await untilStatus(threadId, first.run_id, "interrupted");
  });

  it("DELETE of a running run stops it and removes its record", async () => {
    const { threadId, first } = await busyThread();
    await sdk.runs.delete(threadId, first.run_id);
    await expect(sdk.runs.get(threadId, first.run_id)).rejects.toThrow(/404/);
    expect((await sdk.threads.get(threadId)).status).not.toBe("busy");
  });
});

describe("run options", () => {
  it("after_seconds: the run stays pending until its time, then runs", async () => {
    const thread = await sdk.threads.create();
    const run = await sdk.runs.create(thread.thread_id, "slow", { input: { ms: 1 }, afterSeconds: 1 });
    expect(run.status).toBe("pending");
    expect((await sdk.threads.get(thread.thread_id)).status).toBe("busy");
    expect(await sdk.runs.join(thread.thread_id, run.run_id)).toEqual({ ms: 1, done: true });
    const [last] = await sdk.threads.getHistory(thread.thread_id, { limit: 1 });
    const availableAt = new Date(run.created_at).getTime() + 1000;
    expect(new Date(last?.created_at as string).getTime()).toBeGreaterThanOrEqual(availableAt - 5);
  });

  it('if_not_exists "create": a run on an unknown thread id creates the thread', async () => {
    const threadId = crypto.randomUUID();
    const out = await sdk.runs.wait(threadId, "slow", { input: { ms: 1 }, ifNotExists: "create" });
    expect(out).toEqual({ ms: 1, done: true });
    expect((await sdk.threads.get(threadId)).metadata).toMatchObject({ graph_id: "slow" });
  });
});
