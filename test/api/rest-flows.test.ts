/**
 * The documented flows over the LangGraph REST routes with plain `fetch` (docs/api.md §3, §6, §8; DESIGN.md
 * flows 1–3): human in the loop, static breakpoints, time travel, SSE streaming, stateless runs.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemAssistantId } from "../../src/service/assistants/resolve.js";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let B: string;

beforeAll(async () => {
  server = await startApiServer("api_rest_flows");
  B = server.baseUrl;
});
afterAll(async () => {
  await server?.close();
});

async function newThread(): Promise<string> {
  const r = await call(B, "POST", "/threads", {});
  expect(r.status).toBe(200);
  return (r.body as { thread_id: string }).thread_id;
}

type Obj = Record<string, unknown>;

describe("human in the loop (agent)", () => {
  it("interrupts with the documented payload and resumes with command.resume", async () => {
    const tid = await newThread();
    const first = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "agent",
      input: { some_text: "original text" },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get("content-location")).toMatch(new RegExp(`^/threads/${tid}/runs/[0-9a-f-]{36}$`));
    const body = first.body as { some_text: string; __interrupt__: Obj[] };
    expect(body.some_text).toBe("original text");
    expect(body.__interrupt__).toHaveLength(1);
    expect(body.__interrupt__[0]).toMatchObject({
      value: { text_to_revise: "original text" },
      when: "during",
      resumable: true,
    });
    expect(body.__interrupt__[0]?.id).toMatch(/^[0-9a-f]{32}$/);

    const thread = (await call(B, "GET", `/threads/${tid}`)).body as Obj;
    expect(thread.status).toBe("interrupted");
    expect(thread.metadata).toMatchObject({ graph_id: "agent", assistant_id: systemAssistantId("agent") });
    const byTask = thread.interrupts as Record<string, Obj[]>;
    expect(Object.values(byTask).flat()[0]?.id).toBe(body.__interrupt__[0]?.id);

    const state = (await call(B, "GET", `/threads/${tid}/state`)).body as Obj;
    expect(state.next).toEqual(["human_node"]);
    const tasks = state.tasks as Array<{ name: string; interrupts: Obj[] }>;
    expect(tasks[0]?.name).toBe("human_node");
    expect(tasks[0]?.interrupts[0]?.value).toEqual({ text_to_revise: "original text" });

    const resumed = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "agent",
      command: { resume: "Edited text" },
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toEqual({ some_text: "Edited text" });
    const after = (await call(B, "GET", `/threads/${tid}`)).body as Obj;
    expect(after.status).toBe("idle");
    expect(after.values).toEqual({ some_text: "Edited text" });
    expect(after.interrupts).toEqual({});

    const runs = (await call(B, "GET", `/threads/${tid}/runs`)).body as Obj[];
    expect(runs.map((r) => r.status)).toEqual(["success", "success"]);
    const runId = first.headers.get("content-location")?.split("/").pop();
    const run = (await call(B, "GET", `/threads/${tid}/runs/${runId}`)).body as Obj;
    expect(run).toMatchObject({ run_id: runId, thread_id: tid, status: "success" });
    expect((run.kwargs as Obj).input).toEqual({ some_text: "original text" });
  });
});

describe("static breakpoints (breakpoints)", () => {
  it("stops before node_a and after node_b / node_c, resuming with input null", async () => {
    const tid = await newThread();
    const bp = { interrupt_before: ["node_a"], interrupt_after: ["node_b", "node_c"] };
    const w = (body: Obj) =>
      call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "breakpoints", ...body });
    const r1 = await w({ ...bp, input: { messages: ["hi"] } });
    expect(r1.body).toEqual({ messages: ["hi"], __interrupt__: [] });
    let state = (await call(B, "GET", `/threads/${tid}/state`)).body as Obj;
    expect(state.next).toEqual(["node_a"]);
    const task = (state.tasks as Obj[])[0] as Obj;
    expect(task).toMatchObject({ name: "node_a", interrupts: [] });
    const paused = (await call(B, "GET", `/threads/${tid}`)).body as Obj;
    expect(paused.status).toBe("interrupted");
    expect(paused.interrupts).toEqual({ [task.id as string]: [] });

    const r2 = await w({ ...bp, input: null });
    expect(r2.body).toEqual({ messages: ["hi", "node_a", "node_b"], __interrupt__: [] });
    state = (await call(B, "GET", `/threads/${tid}/state`)).body as Obj;
    expect(state.next).toEqual(["node_c"]);

    // The documented resume body: just the assistant; run-time breakpoints applied to the earlier runs only.
    const r3 = await w({});
    expect(r3.body).toEqual({ messages: ["hi", "node_a", "node_b", "node_c"] });
    expect(((await call(B, "GET", `/threads/${tid}`)).body as Obj).status).toBe("idle");
  });

  it('accepts "*" as a bare string and stops before every node', async () => {
    const tid = await newThread();
    const r = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "breakpoints",
      input: { messages: [] },
      interrupt_before: "*",
    });
    expect(r.body).toEqual({ messages: [], __interrupt__: [] });
    const r2 = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "breakpoints",
      interrupt_before: "*",
    });
    expect(r2.body).toEqual({ messages: ["node_a"], __interrupt__: [] });
  });
});

describe("time travel (joke)", () => {
  it("forks from an earlier checkpoint with update_state and replays from it", async () => {
    const tid = await newThread();
    const r1 = await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "joke", input: {} });
    expect((r1.body as Obj).topic).toBe("socks");
    const history = (await call(B, "GET", `/threads/${tid}/history`)).body as Obj[];
    expect(history.length).toBe(4); // input, step 0, generate_topic, write_joke
    const beforeJoke = history.find((s) => JSON.stringify(s.next) === '["write_joke"]') as Obj;
    const cpId = (beforeJoke.checkpoint as Obj).checkpoint_id as string;

    const upd = await call(B, "POST", `/threads/${tid}/state`, {
      assistant_id: "joke",
      checkpoint_id: cpId,
      values: { topic: "chickens" },
    });
    expect(upd.status).toBe(200);
    const forkId = ((upd.body as Obj).checkpoint as Obj).checkpoint_id as string;
    expect(forkId > cpId).toBe(true);
    const forkState = (await call(B, "GET", `/threads/${tid}/state/${forkId}`)).body as Obj;
    expect(forkState.values).toMatchObject({ topic: "chickens" });
    expect((forkState.parent_checkpoint as Obj).checkpoint_id).toBe(cpId);
    // The Python server's deprecated top-level ids, which its documentation reads.
    expect(forkState.parent_checkpoint_id).toBe(cpId);
    expect(forkState.checkpoint_id).toBe((forkState.checkpoint as Obj).checkpoint_id);
    expect((forkState.metadata as Obj).source).toBe("update");

    const r2 = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "joke",
      checkpoint_id: forkId,
    });
    expect(r2.body).toMatchObject({ topic: "chickens" });
    expect((r2.body as Obj).joke).toContain("chickens");

    const all = (await call(B, "POST", `/threads/${tid}/history`, { limit: 100 })).body as Obj[];
    expect(all.length).toBe(6); // both branches
    const updates = (await call(B, "POST", `/threads/${tid}/history`, { metadata: { source: "update" } }))
      .body;
    expect((updates as Obj[]).length).toBe(1);
    const page = (await call(B, "POST", `/threads/${tid}/history`, { limit: 2, before: forkId }))
      .body as Obj[];
    expect(page.every((s) => ((s.checkpoint as Obj).checkpoint_id as string) < forkId)).toBe(true);
    const viaPost = await call(B, "POST", `/threads/${tid}/state/checkpoint`, {
      checkpoint: { checkpoint_id: cpId },
    });
    expect(((viaPost.body as Obj).checkpoint as Obj).checkpoint_id).toBe(cpId);
  });
});

async function sse(
  route: string,
  body: Obj,
): Promise<{ events: EventSourceMessage[]; raw: string; res: Response }> {
  const res = await fetch(B + route, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const raw = await res.text();
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(raw);
  return { events, raw, res };
}

describe("SSE streaming", () => {
  it("streams metadata first, then values/updates, one compact data line per event, no end event", async () => {
    const tid = await newThread();
    const { events, raw, res } = await sse(`/threads/${tid}/runs/stream`, {
      assistant_id: "breakpoints",
      input: { messages: ["go"] },
      stream_mode: ["values", "updates"],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("content-location")).toMatch(new RegExp(`^/threads/${tid}/runs/`));
    expect(events[0]?.event).toBe("metadata");
    expect(JSON.parse(events[0]?.data ?? "null")).toMatchObject({ attempt: 1 });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i)));
    const names = new Set(events.slice(1).map((e) => e.event));
    expect(names).toEqual(new Set(["values", "updates"]));
    const last = events.filter((e) => e.event === "values").pop();
    expect(JSON.parse(last?.data ?? "null")).toEqual({ messages: ["go", "node_a", "node_b", "node_c"] });
    expect(events.some((e) => e.event === "end")).toBe(false);
    for (const block of raw.split("\n\n").filter((b) => b.startsWith("event:"))) {
      const lines = block.split("\n");
      expect(lines[0]).toMatch(/^event: /);
      expect(lines.filter((l) => l.startsWith("data:"))).toHaveLength(1);
    }
  });

  it("streams the interrupt of the agent graph and accepts a single stream_mode string", async () => {
    const tid = await newThread();
    const { events } = await sse(`/threads/${tid}/runs/stream`, {
      assistant_id: "agent",
      input: { some_text: "x" },
      stream_mode: "updates",
    });
    const updates = events.filter((e) => e.event === "updates").map((e) => JSON.parse(e.data));
    expect(updates.at(-1)).toMatchObject({ __interrupt__: [{ value: { text_to_revise: "x" } }] });
  });

  it("answers a missing assistant with a plain 404 before any SSE", async () => {
    const tid = await newThread();
    const { res, raw } = await sse(`/threads/${tid}/runs/stream`, { assistant_id: "nope", input: {} });
    expect(res.status).toBe(404);
    expect(JSON.parse(raw).detail).toMatch(/No assistant found for "nope"/);
  });
});

describe("stateless runs", () => {
  it("POST /runs/wait runs on a temporary thread that is removed", async () => {
    const before = (await call(B, "POST", "/threads/count", {})).body as number;
    const r = await call(B, "POST", "/runs/wait", { assistant_id: "joke", input: { topic: "cats" } });
    expect(r.status).toBe(200);
    expect((r.body as Obj).joke).toContain("cats");
    expect(r.headers.get("content-location")).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    expect((await call(B, "POST", "/threads/count", {})).body).toBe(before);
  });
});

describe("background runs", () => {
  it("create returns the run; join returns the wait body; join on a finished run reads the thread", async () => {
    const tid = await newThread();
    const created = await call(B, "POST", `/threads/${tid}/runs`, {
      assistant_id: "agent",
      input: { some_text: "bg" },
    });
    expect(created.status).toBe(200);
    const run = created.body as Obj;
    expect(["pending", "running"]).toContain(run.status);
    const joined = await call(B, "GET", `/threads/${tid}/runs/${run.run_id}/join`);
    expect((joined.body as Obj).__interrupt__).toHaveLength(1);
    const again = await call(B, "GET", `/threads/${tid}/runs/${run.run_id}/join`);
    expect(again.body).toEqual(joined.body);
    const del = await call(B, "DELETE", `/threads/${tid}/runs/${run.run_id}`);
    expect(del.status).toBe(204);
    expect((await call(B, "GET", `/threads/${tid}/runs/${run.run_id}`)).status).toBe(404);
  });
});

describe("headers", () => {
  it("copies x-* request headers (not credentials) into the run's configurable and checkpoint metadata", async () => {
    const tid = await newThread();
    await fetch(`${B}/threads/${tid}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-source": "tests", "x-api-key": "secret" },
      body: JSON.stringify({ assistant_id: "joke", input: { topic: "hats" } }),
    });
    const state = (await call(B, "GET", `/threads/${tid}/state`)).body as Obj;
    expect((state.metadata as Obj)["x-request-source"]).toBe("tests");
    expect((state.metadata as Obj)["x-api-key"]).toBeUndefined();
  });

  it("search answers X-Pagination-Total and X-Pagination-Next", async () => {
    for (let i = 0; i < 3; i++) await call(B, "POST", "/threads", { metadata: { page_test: true } });
    const r = await call(B, "POST", "/threads/search", { metadata: { page_test: true }, limit: 2 });
    expect((r.body as Obj[]).length).toBe(2);
    expect(r.headers.get("x-pagination-total")).toBe("3");
    expect(r.headers.get("x-pagination-next")).toBe("2");
  });
});

describe("subgraphs: stream_subgraphs and GET /state?subgraphs=true are honoured", () => {
  it("stream_subgraphs streams the subgraph's events as <mode>|<node>:<task id>; without it, none", async () => {
    const tid = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
    const body = { assistant_id: "nested", input: {}, stream_mode: ["updates"], stream_subgraphs: true };
    const { events } = await sse(`/threads/${tid}/runs/stream`, body);
    const names = events.map((e) => e.event ?? "message");
    const sub = names.filter((n) => n.startsWith("updates|"));
    expect(sub.length).toBeGreaterThan(0);
    expect(sub[0]).toMatch(/^updates\|sub:[0-9a-f-]{36}$/);
    const subNodes = events
      .filter((e) => e.event?.startsWith("updates|"))
      .map((e) => Object.keys(JSON.parse(e.data) as Obj)[0]);
    expect(subNodes).toContain("prep");

    const other = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
    const plain = await sse(`/threads/${other}/runs/stream`, { ...body, stream_subgraphs: false });
    expect(plain.events.map((e) => e.event ?? "").filter((n) => n.includes("|"))).toEqual([]);
  });

  it("GET /threads/{tid}/state?subgraphs=true fills the interrupted subgraph task's state", async () => {
    const tid = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
    await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "nested", input: {} });
    const shallow = (await call(B, "GET", `/threads/${tid}/state`)).body as { tasks: Obj[] };
    expect(shallow.tasks[0]).toMatchObject({ name: "sub" });
    expect((shallow.tasks[0]?.state as Obj | null)?.values).toBeUndefined();
    const deep = (await call(B, "GET", `/threads/${tid}/state?subgraphs=true`)).body as { tasks: Obj[] };
    const state = deep.tasks[0]?.state as { values: Obj; next: string[] };
    expect(state.values).toMatchObject({ topic: "cats", steps: ["prep"] });
    expect(state.next).toEqual(["write"]);
  });
});
