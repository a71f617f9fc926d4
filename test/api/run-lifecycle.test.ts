/**
 * Run lifecycle over REST: node errors (wait body `__error__`, final SSE `error` event, thread `error`),
 * cancellation of a background run, join-stream, stateless streams.
 */
import { Client } from "@langchain/langgraph-sdk";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let B: string;

beforeAll(async () => {
  server = await startApiServer("api_run_lifecycle");
  B = server.baseUrl;
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

async function newThread(): Promise<string> {
  return ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
}

function parseSse(raw: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (e) => events.push(e) }).feed(raw);
  return events;
}

async function waitForStatus(tid: string, status: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (((await call(B, "GET", `/threads/${tid}`)).body as Obj).status === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`thread ${tid} never became ${status}`);
}

describe("node errors", () => {
  it("wait answers 200 with __error__; the run ends error, the thread error; the SDK throws", async () => {
    const tid = await newThread();
    const r = await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "fails", input: {} });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ __error__: { error: "CustomError", message: "Boo!" } });
    const thread = (await call(B, "GET", `/threads/${tid}`)).body as Obj;
    expect(thread.status).toBe("error");
    expect(thread.error).toEqual({ error: "CustomError", message: "Boo!" });
    const runs = (await call(B, "GET", `/threads/${tid}/runs`)).body as Obj[];
    expect(runs[0]?.status).toBe("error");
    const sdk = new Client({ apiUrl: B, callerOptions: { maxRetries: 0 } });
    await expect(sdk.runs.wait(tid, "fails", { input: {} })).rejects.toThrow("CustomError: Boo!");
  });

  it("a stream ends with an error event after the metadata", async () => {
    const tid = await newThread();
    const res = await fetch(`${B}/threads/${tid}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "fails", input: {}, stream_mode: ["values"] }),
    });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events[0]?.event).toBe("metadata");
    expect(events.at(-1)?.event).toBe("error");
    expect(JSON.parse(events.at(-1)?.data ?? "null")).toEqual({ error: "CustomError", message: "Boo!" });
  });
});

describe("background runs", () => {
  it("cancel stops a running run: run interrupted, thread not busy, the server keeps serving", async () => {
    const tid = await newThread();
    const run = (await call(B, "POST", `/threads/${tid}/runs`, { assistant_id: "slow", input: { ms: 5000 } }))
      .body as Obj;
    await waitForStatus(tid, "busy");
    const cancel = await call(B, "POST", `/threads/${tid}/runs/${run.run_id}/cancel?wait=1&action=interrupt`);
    expect(cancel.status).toBe(204);
    const after = (await call(B, "GET", `/threads/${tid}/runs/${run.run_id}`)).body as Obj;
    expect(after.status).toBe("interrupted");
    const thread = (await call(B, "GET", `/threads/${tid}`)).body as Obj;
    expect(thread.status).not.toBe("busy");
    const next = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "joke",
      input: { topic: "x" },
    });
    expect(next.status).toBe(200);
  });

  it("join-stream follows a background run to its end", async () => {
    const tid = await newThread();
    const run = (
      await call(B, "POST", `/threads/${tid}/runs`, {
        assistant_id: "slow",
        input: { ms: 300 },
        stream_mode: ["values"],
      })
    ).body as Obj;
    const res = await fetch(`${B}/threads/${tid}/runs/${run.run_id}/stream`);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    expect(events[0]?.event).toBe("metadata");
    expect(JSON.parse(events.at(-1)?.data ?? "null")).toEqual({ ms: 300, done: true });
  });
});

describe("stateless streams", () => {
  it("POST /runs/stream streams on a temporary thread", async () => {
    const res = await fetch(`${B}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "joke", input: { topic: "owls" }, stream_mode: "values" }),
    });
    expect(res.headers.get("content-location")).toMatch(/^\/runs\//);
    const events = parseSse(await res.text());
    expect(JSON.parse(events.at(-1)?.data ?? "null").joke).toContain("owls");
  });

  it("refuses a stateless resume", async () => {
    const r = await call(B, "POST", "/runs/wait", { assistant_id: "agent", command: { resume: "x" } });
    expect(r.status).toBe(422);
    expect((r.body as Obj).detail).toMatch(/thread_id when resuming/);
  });
});

describe("streaming clients that disconnect", () => {
  async function streamThenDrop(tid: string, body: Obj): Promise<string> {
    const controller = new AbortController();
    const res = await fetch(`${B}/threads/${tid}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const location = res.headers.get("content-location") ?? "";
    const reader = res.body?.getReader();
    await reader?.read(); // the metadata event
    controller.abort();
    return location.split("/").pop() as string;
  }

  it("on_disconnect continue (default): the run finishes and the server keeps serving", async () => {
    const tid = await newThread();
    const runId = await streamThenDrop(tid, { assistant_id: "slow", input: { ms: 400 } });
    const joined = await call(B, "GET", `/threads/${tid}/runs/${runId}/join`);
    expect(joined.body).toEqual({ ms: 400, done: true });
    expect(((await call(B, "GET", `/threads/${tid}/runs/${runId}`)).body as Obj).status).toBe("success");
  });

  it('on_disconnect "cancel": the run is cancelled', async () => {
    const tid = await newThread();
    const runId = await streamThenDrop(tid, {
      assistant_id: "slow",
      input: { ms: 5000 },
      on_disconnect: "cancel",
    });
    for (let i = 0; i < 100; i++) {
      const run = (await call(B, "GET", `/threads/${tid}/runs/${runId}`)).body as Obj;
      if (run.status === "interrupted") return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("run was not cancelled");
  });

  it("heartbeats keep an idle stream alive", async () => {
    const tid = await newThread();
    const res = await fetch(`${B}/threads/${tid}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "slow", input: { ms: 500 } }),
    });
    const text = await res.text();
    expect(text).toContain(": heartbeat\n");
    // No blank line after a heartbeat: it would end an empty event (see the SDK test below).
    expect(text).not.toContain(": heartbeat\n\n");
  });

  it("the JS SDK sees only real events through heartbeats after events with ids", async () => {
    const tid = await newThread();
    const sdk = new Client({ apiUrl: B });
    const parts: Array<{ event: string }> = [];
    // 500 ms of sleep with 200 ms heartbeats, after `metadata` and the first `values` (both carry ids).
    for await (const part of sdk.runs.stream(tid, "slow", { input: { ms: 500 } })) parts.push(part);
    expect(parts.map((p) => p.event)).toEqual(["metadata", "values", "values"]);
  });
});

describe("long waits", () => {
  it("a wait longer than the keep-alive interval starts with newlines and still parses as the wait body", async () => {
    const tid = await newThread();
    const res = await fetch(`${B}/threads/${tid}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "slow", input: { ms: 500 } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-location")).toMatch(new RegExp(`^/threads/${tid}/runs/`));
    const text = await res.text();
    expect(text.startsWith("\n")).toBe(true);
    expect(JSON.parse(text)).toEqual({ ms: 500, done: true });
    const sdk = new Client({ apiUrl: B, callerOptions: { maxRetries: 0 } });
    const again = await sdk.runs.wait(tid, "slow", { input: { ms: 400 } });
    expect(again).toEqual({ ms: 400, done: true });
    const failed = await sdk.runs.wait(tid, "fails", { input: { ms: 400 }, raiseError: false });
    expect(failed).toEqual({ __error__: { error: "CustomError", message: "Boo!" } });
  });
});
