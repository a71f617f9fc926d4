/**
 * Loom hosting LangGraph.js graphs answers as the LangGraph.js dev server does. The same scenarios — the three
 * documented flows (static breakpoints resumed with `input: null`, `interrupt()` resumed with `Command({resume})`,
 * time travel: history, update_state on a past checkpoint, a run that forks from it) and a few refusals — are
 * driven with the official JS SDK against Loom (the graphs of `bench/peer/graphs`, unchanged, through
 * `loom.peer.json`) and against the dev server (`@langchain/langgraph-api` in `bench/peer`, installed on first
 * use), and the answers are compared field by field after normalising ids and timestamps.
 *
 * Every intended difference is listed in docs/agents.md ("Differences from the LangGraph.js dev server") and
 * removed by `comparable` below, one rule per difference; anything else that differs fails the test.
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Peer, startPeer } from "../../scripts/peer.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { projectRoot } from "./support.js";

let server: TestServer;
let peer: Peer;

beforeAll(async () => {
  [server, peer] = await Promise.all([
    startTestServer("api_peer_parity", { configPath: path.join(projectRoot, "test/api/loom.peer.json") }),
    startPeer({ nWorkers: 2 }),
  ]);
}, 360_000);
afterAll(async () => {
  await server?.close();
  await peer?.stop();
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** The status code of a refused SDK call (the SDK throws an error carrying it). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

/** The scenarios, against the server at `url`; every answer is kept under a name. */
async function scenarios(url: string): Promise<Record<string, unknown>> {
  const c = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
  const out: Record<string, unknown> = {};
  // (a) static breakpoints, resumed with input null
  const t = await c.threads.create({ metadata: { flow: "breakpoints" } });
  out.created = t;
  out.waitAtBreakpoint = await c.runs.wait(t.thread_id, "breakpoints", {
    input: { messages: ["hi"] },
    interruptBefore: ["node_b"],
  });
  out.stateAtBreakpoint = await c.threads.getState(t.thread_id);
  out.waitResumed = await c.runs.wait(t.thread_id, "breakpoints", { input: null });
  out.stateDone = await c.threads.getState(t.thread_id);
  const history = await c.threads.getHistory(t.thread_id);
  out.history = history;
  out.thread = await c.threads.get(t.thread_id);
  // (c) time travel: update the checkpoint that stood before node_b, run from the new branch head
  const beforeB = history.find((s) => s.next.join() === "node_b");
  const updated = (await c.threads.updateState(t.thread_id, {
    values: { messages: ["edited"] },
    checkpointId: beforeB?.checkpoint.checkpoint_id as string,
  })) as unknown as { checkpoint: { checkpoint_id: string } };
  out.updated = updated;
  out.stateOfUpdate = await c.threads.getState(t.thread_id, updated.checkpoint.checkpoint_id);
  out.waitForked = await c.runs.wait(t.thread_id, "breakpoints", {
    input: null,
    checkpointId: updated.checkpoint.checkpoint_id,
  });
  out.historyAfterFork = (await c.threads.getHistory(t.thread_id, { limit: 20 })).map((s) => ({
    values: s.values,
    next: s.next,
    step: s.metadata?.step,
    source: s.metadata?.source,
  }));
  // (b) interrupt() resumed with Command({resume})
  const t2 = await c.threads.create();
  out.waitAtInterrupt = await c.runs.wait(t2.thread_id, "agent", { input: { some_text: "original" } });
  out.stateAtInterrupt = await c.threads.getState(t2.thread_id);
  out.waitAfterResume = await c.runs.wait(t2.thread_id, "agent", { command: { resume: "edited" } });
  out.stateAfterResume = await c.threads.getState(t2.thread_id);
  out.runs = await c.runs.list(t2.thread_id);
  // refusals
  out.unknownThreadState = await statusOf(c.threads.getState("00000000-0000-4000-8000-000000000000"));
  out.unknownAssistant = await statusOf(c.runs.wait(t2.thread_id, "no_such_graph", { input: {} }));
  out.unknownRun = await statusOf(c.runs.get(t2.thread_id, "00000000-0000-4000-8000-000000000000"));
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX_ID = /^[0-9a-f]{32}$/; // interrupt ids: a hash of the task, so different on each server
const TIMESTAMP = /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/;

/** Ids → `<id N>` in order of first appearance (so equal ids stay equal), timestamps → `<ts>`. */
function normalised(value: unknown, ids = new Map<string, string>()): Json {
  if (Array.isArray(value)) return value.map((v) => normalised(v, ids));
  if (value !== null && typeof value === "object") {
    const out: Obj = {};
    for (const k of Object.keys(value).sort()) out[k] = normalised((value as Obj)[k], ids);
    return out;
  }
  if (typeof value === "string") {
    if (UUID.test(value) || HEX_ID.test(value)) {
      if (!ids.has(value)) ids.set(value, `<id ${ids.size}>`);
      return ids.get(value) as string;
    }
    if (TIMESTAMP.test(value)) return "<ts>";
  }
  return value as Json;
}

/** Server-specific metadata the dev server stamps on checkpoints (docs/agents.md, differences 4). */
const PEER_ONLY_METADATA = [
  "created_by",
  "langgraph_host",
  "langgraph_plan",
  "langgraph_version",
  "ls_integration",
  "user-agent",
  "flow",
];

/** Removes the intended differences (docs/agents.md "Differences from the LangGraph.js dev server"). */
function comparable(answers: Record<string, unknown>): Json {
  const a = structuredClone(answers) as Record<string, Json>;
  const walk = (v: Json, key?: string): Json => {
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v === null || typeof v !== "object") return v;
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      // 1. Loom omits a field whose value is null (its REST bridge writes proto3 JSON).
      if (x === null) continue;
      // 2. Loom's thread state also carries the Python server's `checkpoint_id`, `parent_checkpoint_id` and
      //    `interrupts` (top level); its interrupts also the legacy `ns`, `when`, `resumable`.
      if (key === "state" && ["checkpoint_id", "parent_checkpoint_id", "interrupts"].includes(k)) continue;
      if (key === "interrupt" && ["ns", "when", "resumable"].includes(k)) continue;
      // 4. Checkpoint metadata: the dev server adds its own keys and the thread's metadata.
      if (key === "metadata" && PEER_ONLY_METADATA.includes(k)) continue;
      const childKey =
        k === "__interrupt__" || k === "interrupts"
          ? "interrupt-list"
          : k === "metadata"
            ? "metadata"
            : undefined;
      o[k] =
        childKey === "interrupt-list" && Array.isArray(x)
          ? x.map((i) => walk(i, "interrupt"))
          : walk(x, childKey);
    }
    return o;
  };
  for (const name of Object.keys(a)) {
    const v = a[name] as Json;
    if (name.startsWith("state") || name === "history") {
      a[name] = Array.isArray(v) ? v.map((s) => walk(s, "state")) : walk(v, "state");
    } else {
      a[name] = walk(v);
    }
  }
  // 3. runs.wait on an interrupt: Loom answers the state and `__interrupt__` (the Python server's answer), the
  //    dev server `__interrupt__` alone; compared on `__interrupt__`.
  for (const name of ["waitAtBreakpoint", "waitAtInterrupt"]) {
    const v = a[name] as Obj;
    a[name] = { __interrupt__: v.__interrupt__ ?? null };
  }
  // 5. A new thread: Loom's carries `interrupts: {}`; threads: the dev server copies request headers into config.
  delete (a.created as Obj).interrupts;
  delete (a.thread as Obj).interrupts;
  delete (a.thread as Obj).config;
  // 6. Runs: Loom lists newest first (the Python server's order) and keeps the request's kwargs as sent; the dev
  //    server lists oldest first and fills in its defaults. Compared: what ran, in creation order.
  const runs = (a.runs as Obj[]).map((r) => {
    const kwargs = r.kwargs as Obj;
    return {
      status: r.status,
      // 8. No strategy sent: Loom's default is the Python server's `enqueue`, the dev server's `reject`.
      input: kwargs.input ?? null,
      command: kwargs.command ?? null,
      created_at: r.created_at,
    };
  });
  a.runs = runs.sort((x, y) => (x.input === null ? 1 : 0) - (y.input === null ? 1 : 0)) as Json;
  // 7. update_state: Loom also answers the Python server's `configurable` and `checkpoint_id` beside `checkpoint`.
  delete (a.updated as Obj).configurable;
  delete (a.updated as Obj).checkpoint_id;
  return normalised(a);
}

it("Loom answers the documented flows of LangGraph.js graphs as the LangGraph.js dev server does", async () => {
  const loom = await scenarios(server.baseUrl);
  const dev = await scenarios(peer.url);
  // The raw answers differ only as listed; a sanity check that the scenarios did what they say on both.
  for (const answers of [loom, dev]) {
    expect(answers.waitResumed).toEqual({ messages: ["hi", "node_a", "node_b", "node_c"] });
    expect(answers.waitForked).toEqual({ messages: ["hi", "node_a", "edited", "node_b", "node_c"] });
    expect(answers.waitAfterResume).toEqual({ some_text: "edited" });
    expect([answers.unknownThreadState, answers.unknownAssistant, answers.unknownRun]).toEqual([
      404, 404, 404,
    ]);
  }
  expect(comparable(loom)).toEqual(comparable(dev));
}, 120_000);

/** Differences 1 and 2 above on a stream payload: null fields, and the legacy fields of Loom's interrupts. */
function withoutExtras(v: unknown, inInterrupts = false): Json {
  if (Array.isArray(v)) return v.map((x) => withoutExtras(x, inInterrupts));
  if (v === null || typeof v !== "object") return v as Json;
  const o: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || (inInterrupts && ["ns", "when", "resumable"].includes(k))) continue;
    o[k] = withoutExtras(x, k === "__interrupt__" || k === "interrupts");
  }
  return o;
}

/** The events of a `streamSubgraphs` run of `nested` and of its resume: names with task ids hidden, payloads. */
async function subgraphStream(url: string): Promise<Json> {
  const c = new Client({ apiUrl: url, callerOptions: { maxRetries: 0 } });
  const t = await c.threads.create();
  const events: Array<{ event: string; data: Json }> = [];
  // Not `values`: the dev server (@langchain/langgraph-api) fails a `values` stream with subgraphs
  // ("Cannot read properties of undefined"), where Loom streams `values|<namespace>` as the Python server does.
  const modes: Array<"updates" | "custom"> = ["updates", "custom"];
  const runs = [{ input: {} }, { command: { resume: "yes" } }];
  for (const run of runs) {
    for await (const p of c.runs.stream(t.thread_id, "nested", {
      ...run,
      streamMode: modes,
      streamSubgraphs: true,
    })) {
      const event = p.event.replace(/:[0-9a-f-]{36}/g, ":<task>");
      if (p.event !== "metadata") events.push({ event, data: withoutExtras(p.data) });
    }
  }
  return normalised(events);
}

it("a LangGraph.js subgraph streams the same <mode>|<namespace> events as on the LangGraph.js dev server", async () => {
  const [loom, dev] = [await subgraphStream(server.baseUrl), await subgraphStream(peer.url)];
  expect((loom as Obj[]).map((e) => e.event)).toContain("custom|sub:<task>");
  expect(loom).toEqual(dev);
}, 60_000);
