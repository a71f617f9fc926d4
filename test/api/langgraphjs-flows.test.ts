/**
 * LangGraph.js graphs hosted unchanged (the graphs of `bench/peer/graphs`, registered as `lg_*` in
 * `loom.langgraphjs.json`): the three documented flows through the official JS SDK over REST and grpc-js over gRPC,
 * stream modes, graph drawing, bad input with the same statuses as Loom's own graphs, and the checkpoint documents
 * in MongoDB (the same collection and shape as Loom's engine writes).
 */
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { call, projectRoot } from "./support.js";

let server: TestServer;
let client: Client;

type Obj = Record<string, unknown>;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type RawValue = Record<string, unknown>;

beforeAll(async () => {
  server = await startTestServer("api_langgraphjs", {
    configPath: path.join(projectRoot, "test/api/loom.langgraphjs.json"),
  });
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

describe("JS SDK over REST, LangGraph.js graphs", () => {
  it("static breakpoints: interruptBefore / interruptAfter, resumed with input null", async () => {
    const thread = await client.threads.create();
    const opts = { interruptBefore: ["node_a"], interruptAfter: ["node_b", "node_c"] };
    const r1 = await client.runs.wait(thread.thread_id, "lg_breakpoints", {
      input: { messages: ["hi"] },
      ...opts,
    });
    expect(r1).toEqual({ messages: ["hi"], __interrupt__: [] });
    expect((await client.threads.getState(thread.thread_id)).next).toEqual(["node_a"]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const r2 = await client.runs.wait(thread.thread_id, "lg_breakpoints", { input: null, ...opts });
    expect(r2).toEqual({ messages: ["hi", "node_a", "node_b"], __interrupt__: [] });
    const r3 = await client.runs.wait(thread.thread_id, "lg_breakpoints", { input: null, ...opts });
    // LangGraph.js does not pause after the last node (nothing is next), so the run ends: its own semantics.
    expect(r3).toEqual({ messages: ["hi", "node_a", "node_b", "node_c"] });
    expect((await client.threads.getState(thread.thread_id)).next).toEqual([]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("interrupt() + Command({resume}): __interrupt__, then the resumed values", async () => {
    const thread = await client.threads.create();
    const first = (await client.runs.wait(thread.thread_id, "lg_agent", {
      input: { some_text: "original text" },
    })) as Obj;
    const interrupts = first.__interrupt__ as Array<{ id: string; value: unknown }>;
    expect(interrupts).toHaveLength(1);
    expect(interrupts[0]?.value).toEqual({ text_to_revise: "original text" });
    expect(interrupts[0]?.id).toMatch(/^[0-9a-f]{32}$/);
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual(["human_node"]);
    expect(state.tasks[0]?.interrupts[0]?.id).toBe(interrupts[0]?.id);
    const resumed = await client.runs.wait(thread.thread_id, "lg_agent", {
      command: { resume: "Edited text" },
    });
    expect(resumed).toEqual({ some_text: "Edited text" });
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("time travel: getHistory, updateState at a checkpoint (a fork), runs.wait from it", async () => {
    const thread = await client.threads.create();
    const done = (await client.runs.wait(thread.thread_id, "lg_joke", { input: {} })) as Obj;
    expect(done.topic).toBe("socks");
    const history = await client.threads.getHistory(thread.thread_id);
    expect(history.map((s) => s.metadata?.step)).toEqual([2, 1, 0, -1]);
    expect(history.map((s) => s.metadata?.source)).toEqual(["loop", "loop", "loop", "input"]);
    for (const [i, s] of history.slice(0, -1).entries()) {
      expect(s.parent_checkpoint?.checkpoint_id).toBe(history[i + 1]?.checkpoint.checkpoint_id);
    }
    const before = history.find((s) => s.next[0] === "write_joke");
    const cpId = before?.checkpoint.checkpoint_id as string;
    const upd = await client.threads.updateState(thread.thread_id, {
      values: { topic: "chickens" },
      checkpointId: cpId,
    });
    const forkId = (upd as unknown as { checkpoint: { checkpoint_id: string } }).checkpoint.checkpoint_id;
    const fork = await client.threads.getState(thread.thread_id, forkId);
    expect(fork.parent_checkpoint?.checkpoint_id).toBe(cpId);
    expect(fork.values).toMatchObject({ topic: "chickens" });
    const result = (await client.runs.wait(thread.thread_id, "lg_joke", {
      input: null,
      checkpointId: forkId,
    })) as Obj;
    expect(result.topic).toBe("chickens");
    expect(result.joke).toContain("chickens");
    const all = await client.threads.getHistory(thread.thread_id, { limit: 50 });
    expect(all).toHaveLength(6);
    const older = await client.threads.getHistory(thread.thread_id, {
      limit: 50,
      before: { configurable: { checkpoint_id: forkId } },
    });
    expect(older.every((s) => (s.checkpoint.checkpoint_id as string) < forkId)).toBe(true);
    expect(older.length).toBeGreaterThan(0);
  });

  it("runs.stream: values, updates, checkpoints, tasks, debug and custom modes from LangGraph.js", async () => {
    const thread = await client.threads.create();
    const parts: Array<{ event: string; data: unknown }> = [];
    for await (const part of client.runs.stream(thread.thread_id, "lg_joke", {
      input: { topic: "cats" },
      streamMode: ["values", "updates", "checkpoints", "tasks", "debug", "custom"],
    })) {
      parts.push(part as { event: string; data: unknown });
    }
    expect(parts[0]?.event).toBe("metadata");
    const events = new Set(parts.slice(1).map((p) => p.event));
    for (const mode of ["values", "updates", "checkpoints", "tasks", "debug"]) expect(events).toContain(mode);
    const updates = parts.filter((p) => p.event === "updates").map((p) => Object.keys(p.data as Obj)[0]);
    expect(updates).toEqual(["generate_topic", "write_joke"]);
    const last = parts.filter((p) => p.event === "values").pop()?.data as Obj;
    expect(last.joke).toContain("cats");
  });

  it("messages-tuple streams the chat model's tokens as [chunk, metadata] with langgraph_node/langgraph_step", async () => {
    const thread = await client.threads.create();
    const parts: Array<{ event: string; data: unknown }> = [];
    for await (const part of client.runs.stream(thread.thread_id, "lg_chat", {
      input: { messages: [{ type: "human", content: "hi" }] },
      streamMode: ["messages-tuple"],
    })) {
      parts.push(part as { event: string; data: unknown });
    }
    const tuples = parts.filter((p) => p.event === "messages") as Array<{ data: [Obj, Obj] }>;
    expect(tuples.length).toBeGreaterThan(1);
    expect(tuples.map((t) => t.data[0].content).join("")).toBe("Hello there");
    expect(tuples[0]?.data[0].type).toMatch(/^ai/);
    expect(tuples[0]?.data[1]).toMatchObject({ langgraph_node: "chat", langgraph_step: 1 });
    const state = await client.threads.getState(thread.thread_id);
    expect((state.values as { messages: Obj[] }).messages.map((m) => [m.type, m.content])).toEqual([
      ["human", "hi"],
      ["ai", "Hello there"],
    ]);
  });

  it("legacy messages mode: messages/metadata, merged messages/partial and messages/complete, no tuples", async () => {
    const thread = await client.threads.create();
    const parts: Array<{ event: string; data: unknown }> = [];
    for await (const part of client.runs.stream(thread.thread_id, "lg_chat", {
      input: { messages: [{ type: "human", content: "hi" }] },
      streamMode: ["messages"],
    })) {
      parts.push(part as { event: string; data: unknown });
    }
    const events = new Set(parts.map((p) => p.event));
    expect(events.has("messages")).toBe(false);
    expect(events.has("values")).toBe(false);
    const partials = parts.filter((p) => p.event === "messages/partial") as Array<{ data: Obj[] }>;
    expect(partials.length).toBeGreaterThan(1);
    // Each partial carries the chunks merged so far; the last one is the whole reply.
    expect(partials.at(-1)?.data[0]?.content).toBe("Hello there");
    const metadata = parts.filter((p) => p.event === "messages/metadata");
    expect(metadata).toHaveLength(1);
    const complete = parts.filter((p) => p.event === "messages/complete").flatMap((p) => p.data as Obj[]);
    expect(complete.map((m) => m.content)).toContain("hi");
  });

  it("assistants: graph drawing and schemas come from the LangGraph.js graph", async () => {
    const graph = (await client.assistants.getGraph("lg_breakpoints")) as unknown as {
      nodes: Obj[];
      edges: Obj[];
    };
    expect(graph.nodes.map((n) => n.id)).toEqual(["__start__", "node_a", "node_b", "node_c", "__end__"]);
    expect(graph.edges).toContainEqual(expect.objectContaining({ source: "node_a", target: "node_b" }));
    const schemas = (await client.assistants.getSchemas("lg_joke")) as unknown as { state_schema: Obj };
    expect(Object.keys(schemas.state_schema.properties as Obj).sort()).toEqual(["joke", "topic"]);
  });
});

describe("bad input for LangGraph.js graphs: the same status as for Loom graphs, nothing written", () => {
  const B = () => server.baseUrl;
  const MISSING = "1efffff0-0000-6000-8000-000000000000";

  async function checkpointCount(threadId: string): Promise<number> {
    return server.testDb.db.collection("checkpoints").countDocuments({ thread_id: threadId });
  }

  it("interrupt_before naming an unknown node → 422 naming the field", async () => {
    for (const graph of ["breakpoints", "lg_breakpoints"]) {
      const tid = ((await call(B(), "POST", "/threads", {})).body as Obj).thread_id as string;
      const r = await call(B(), "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: graph,
        input: { messages: [] },
        interrupt_before: ["node_x"],
      });
      expect(r.status).toBe(422);
      expect(JSON.stringify(r.body)).toMatch(/interrupt_before names unknown node\(s\): node_x/);
      expect(await checkpointCount(tid)).toBe(0);
    }
  });

  it("an unknown checkpoint → 404 on state, update and run", async () => {
    const statuses: Record<string, number[]> = {};
    for (const [graph, input] of [
      ["joke", {}],
      ["lg_joke", {}],
    ] as const) {
      const tid = ((await call(B(), "POST", "/threads", {})).body as Obj).thread_id as string;
      await call(B(), "POST", `/threads/${tid}/runs/wait`, { assistant_id: graph, input });
      const count = await checkpointCount(tid);
      statuses[graph] = [
        (await call(B(), "GET", `/threads/${tid}/state/${MISSING}`)).status,
        (await call(B(), "POST", `/threads/${tid}/state`, { checkpoint_id: MISSING, values: { topic: "x" } }))
          .status,
        (
          await call(B(), "POST", `/threads/${tid}/runs/wait`, {
            assistant_id: graph,
            checkpoint_id: MISSING,
          })
        ).status,
      ];
      expect(await checkpointCount(tid)).toBe(count);
    }
    expect(statuses.lg_joke).toEqual([404, 404, 404]);
    expect(statuses.lg_joke).toEqual(statuses.joke);
  });

  it("a resume with no interrupt pending answers as for the Loom graph", async () => {
    const answers: Record<string, { status: number; written: number }> = {};
    for (const graph of ["agent", "lg_agent"]) {
      const tid = ((await call(B(), "POST", "/threads", {})).body as Obj).thread_id as string;
      await call(B(), "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: graph,
        input: { some_text: "a" },
      });
      await call(B(), "POST", `/threads/${tid}/runs/wait`, { assistant_id: graph, command: { resume: "b" } });
      const count = await checkpointCount(tid);
      const r = await call(B(), "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: graph,
        command: { resume: "c" },
      });
      answers[graph] = { status: r.status, written: (await checkpointCount(tid)) - count };
    }
    expect(answers.lg_agent?.status).toBe(answers.agent?.status);
  });
});

describe("the run queue for LangGraph.js graphs", () => {
  const B = () => server.baseUrl;
  async function waitForStatus(tid: string, status: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (((await call(B(), "GET", `/threads/${tid}`)).body as Obj).status === status) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`thread ${tid} never became ${status}`);
  }

  it("cancel stops a running run; multitask reject refuses a second run while it runs", async () => {
    const tid = ((await call(B(), "POST", "/threads", {})).body as Obj).thread_id as string;
    const run = (await call(B(), "POST", `/threads/${tid}/runs`, { assistant_id: "lg_hold", input: {} }))
      .body as Obj;
    await waitForStatus(tid, "busy");
    const second = await call(B(), "POST", `/threads/${tid}/runs`, {
      assistant_id: "lg_hold",
      input: {},
      multitask_strategy: "reject",
    });
    expect(second.status).toBe(409);
    const cancel = await call(
      B(),
      "POST",
      `/threads/${tid}/runs/${run.run_id}/cancel?wait=1&action=interrupt`,
    );
    expect(cancel.status).toBe(204);
    expect(((await call(B(), "GET", `/threads/${tid}/runs/${run.run_id}`)).body as Obj).status).toBe(
      "interrupted",
    );
    expect(((await call(B(), "GET", `/threads/${tid}`)).body as Obj).status).not.toBe("busy");
    const next = await call(B(), "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "lg_joke",
      input: { topic: "x" },
    });
    expect(next.status).toBe(200);
  });
});

describe("MongoDB documents of a LangGraph.js thread", () => {
  it("are Loom's native checkpoint documents: parent links, namespace, readable values, run metadata", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "lg_breakpoints", { input: { messages: ["x"] } });
    const docs = await server.testDb.db
      .collection("checkpoints")
      .find({ thread_id: thread.thread_id })
      .sort({ _id: 1 })
      .toArray();
    expect(docs.map((d) => d.step)).toEqual([-1, 0, 1, 2, 3]);
    expect(docs.every((d) => d.checkpoint_ns === "")).toBe(true);
    expect(docs[0]?.parent_checkpoint_id ?? null).toBeNull();
    for (const [i, d] of docs.slice(1).entries())
      expect(d.parent_checkpoint_id).toBe(docs[i]?.checkpoint_id ?? docs[i]?._id);
    const last = docs.at(-1) as Obj;
    expect((last.values as Obj).messages).toEqual(["x", "node_a", "node_b", "node_c"]);
    expect(last.metadata).toMatchObject({ graph_id: "lg_breakpoints", source: "loop", step: 3 });
    expect(typeof (last.metadata as Obj).run_id).toBe("string");
  });
});

function toValue(v: Json): RawValue {
  if (v === null) return { nullValue: "NULL_VALUE" };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: { fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toValue(x)])) } };
}
function fromValue(v: RawValue): Json {
  switch (v.kind) {
    case "nullValue":
      return null;
    case "stringValue":
    case "numberValue":
    case "boolValue":
      return v[v.kind] as Json;
    case "listValue":
      return ((v.listValue as { values: RawValue[] }).values ?? []).map(fromValue);
    case "structValue":
      return fromStruct(v.structValue as RawValue);
    default:
      return null;
  }
}
function fromStruct(s: RawValue | null | undefined): { [k: string]: Json } {
  const fields = (s?.fields ?? {}) as Record<string, RawValue>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fromValue(v)]));
}

type Unary = (req: object, cb: (e: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;
type GrpcClient = grpc.Client & Record<string, Unary>;

describe("grpc-js over gRPC, LangGraph.js graphs", () => {
  let threads: GrpcClient;
  let runs: GrpcClient;
  const rpc = (c: GrpcClient, method: string, req: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      (c[method] as Unary).call(c, req, (e, res) => (e ? reject(e) : resolve(res)));
    });
  beforeAll(() => {
    const def = protoLoader.loadSync(["loom/v1/threads.proto", "loom/v1/runs.proto"], {
      includeDirs: [path.join(projectRoot, "proto")],
      keepCase: true,
      longs: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      loom: { v1: Record<string, grpc.ServiceClientConstructor> };
    };
    const target = `127.0.0.1:${server.port}`;
    const creds = grpc.credentials.createInsecure();
    threads = new (pkg.loom.v1.ThreadsService as grpc.ServiceClientConstructor)(target, creds) as GrpcClient;
    runs = new (pkg.loom.v1.RunsService as grpc.ServiceClientConstructor)(target, creds) as GrpcClient;
  });
  afterAll(() => {
    threads?.close();
    runs?.close();
  });
  const newThread = async () => (await rpc(threads, "Create", {})).thread_id as string;

  it("interrupt() + resume: Wait → __interrupt__, Wait with command.resume → final values", async () => {
    const tid = await newThread();
    const first = await rpc(runs, "Wait", {
      thread_id: tid,
      assistant_id: "lg_agent",
      input: toValue({ some_text: "t" }),
    });
    const interrupts = fromStruct(first.values as RawValue).__interrupt__ as Array<{ [k: string]: Json }>;
    expect(interrupts[0]?.value).toEqual({ text_to_revise: "t" });
    expect((await rpc(threads, "Get", { thread_id: tid })).status).toBe("interrupted");
    const resumed = await rpc(runs, "Wait", {
      thread_id: tid,
      assistant_id: "lg_agent",
      command: { resume: toValue("u") },
    });
    expect(fromStruct(resumed.values as RawValue)).toEqual({ some_text: "u" });
  });

  it("static breakpoints with interrupt_before / interrupt_after", async () => {
    const tid = await newThread();
    const bp = { interrupt_before: ["node_a"], interrupt_after: ["node_b", "node_c"] };
    const r1 = await rpc(runs, "Wait", {
      thread_id: tid,
      assistant_id: "lg_breakpoints",
      input: toValue({ messages: [] }),
      ...bp,
    });
    expect(fromStruct(r1.values as RawValue)).toEqual({ messages: [], __interrupt__: [] });
    const r2 = await rpc(runs, "Wait", { thread_id: tid, assistant_id: "lg_breakpoints", ...bp });
    expect(fromStruct(r2.values as RawValue)).toEqual({ messages: ["node_a", "node_b"], __interrupt__: [] });
  });

  it("time travel: GetHistory, UpdateState at a checkpoint, Wait from the fork", async () => {
    const tid = await newThread();
    await rpc(runs, "Wait", { thread_id: tid, assistant_id: "lg_joke", input: toValue({}) });
    const states = (await rpc(threads, "GetHistory", { thread_id: tid, limit: 10 })).states as Array<
      Record<string, unknown>
    >;
    expect(states).toHaveLength(4);
    const before = states.find((s) => (s.next as string[])[0] === "write_joke") as Record<string, unknown>;
    const cpId = (before.checkpoint as { checkpoint_id: string }).checkpoint_id;
    const upd = await rpc(threads, "UpdateState", {
      thread_id: tid,
      checkpoint_id: cpId,
      values: toValue({ topic: "owls" }),
    });
    const forkId = (upd.checkpoint as { checkpoint_id: string }).checkpoint_id;
    const r = await rpc(runs, "Wait", { thread_id: tid, assistant_id: "lg_joke", checkpoint_id: forkId });
    expect(fromStruct(r.values as RawValue).joke).toContain("owls");
  });
});
