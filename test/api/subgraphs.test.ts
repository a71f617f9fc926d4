/**
 * Subgraphs end to end through the official JS SDK and grpc-js (docs/api.md §7, §8f): a graph whose node is a compiled
 * subgraph, as a Loom graph (`nested`) and as a hosted LangGraph.js graph (`lg_nested`). With `streamSubgraphs`
 * the child's events arrive named `<mode>|sub:<task id>`; a thread paused inside the child shows the child's
 * checkpoint and state on its tasks; `checkpoint_ns` reads the child's state and history; `Command({resume})`
 * finishes the child; a namespace that names no subgraph is refused as the Python server refuses it.
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fromStruct,
  fromValue,
  type GrpcClients,
  grpcClients,
  grpcCode,
  type RawMessage,
  toValue,
} from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { call, projectRoot } from "./support.js";

let server: TestServer;
let client: Client;
let grpc: GrpcClients;

beforeAll(async () => {
  server = await startTestServer("api_subgraphs", {
    configPath: path.join(projectRoot, "test/api/loom.langgraphjs.json"),
  });
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
  grpc = grpcClients(Number(new URL(server.baseUrl).port));
});
afterAll(async () => {
  grpc?.close();
  await server?.close();
});

type Obj = Record<string, unknown>;
const NS = /^sub:[0-9a-f-]{36}$/;

describe.each(["nested", "lg_nested"])("subgraphs of %s", (graph) => {
  /** A new thread run until it pauses inside the subgraph; the stream's events, in order. */
  async function pausedThread(): Promise<{
    threadId: string;
    events: Array<{ event: string; data: unknown }>;
  }> {
    const thread = await client.threads.create();
    const events: Array<{ event: string; data: unknown }> = [];
    for await (const part of client.runs.stream(thread.thread_id, graph, {
      input: {},
      streamMode: ["values", "updates", "custom"],
      streamSubgraphs: true,
    })) {
      events.push({ event: part.event, data: part.data });
    }
    return { threadId: thread.thread_id, events };
  }

  it("streamSubgraphs streams the child's values, updates and custom events as <mode>|sub:<task id>", async () => {
    const { events } = await pausedThread();
    const names = events.map((e) => e.event);
    const namespaced = names.filter((n) => n.includes("|"));
    for (const n of namespaced) expect(n.split("|")[1]).toMatch(NS);
    const ns = namespaced[0]?.split("|")[1];
    expect(names).toContain(`values|${ns}`);
    expect(names).toContain(`updates|${ns}`);
    expect(events.find((e) => e.event === `custom|${ns}`)?.data).toEqual({ progress: "prep" });
    expect(events.find((e) => e.event === `updates|${ns}`)?.data).toEqual({ prep: { steps: ["prep"] } });
    const childValues = events.filter((e) => e.event === `values|${ns}`).map((e) => e.data as Obj);
    expect(childValues).toContainEqual(expect.objectContaining({ topic: "cats", steps: ["prep"] }));
    // The parent's own events keep their plain names.
    expect(names).toContain("values");
    expect(events.find((e) => e.event === "updates")?.data).toEqual({
      pick: { topic: "cats", log: ["pick"] },
    });
  });

  it("getState(subgraphs) on a thread paused inside the child shows tasks[].checkpoint and tasks[].state", async () => {
    const { threadId } = await pausedThread();
    const shallow = await client.threads.getState(threadId);
    expect(shallow.next).toEqual(["sub"]);
    const task = shallow.tasks[0] as unknown as Obj;
    expect(task.name).toBe("sub");
    const checkpoint = task.checkpoint as Obj;
    expect(checkpoint).toMatchObject({ thread_id: threadId });
    expect(checkpoint.checkpoint_ns).toMatch(NS);
    expect(task.state ?? null).toBeNull();
    // The interrupt raised in the child surfaces on the parent thread.
    expect((shallow.tasks[0]?.interrupts[0] as Obj | undefined)?.value).toEqual({ approve: "cats" });
    const thread = await client.threads.get(threadId);
    expect(thread.status).toBe("interrupted");
    // Keyed by the parent's task, as the Python server keys a thread's interrupts.
    expect(Object.keys(thread.interrupts ?? {})).toEqual([task.id]);

    const deep = await client.threads.getState(threadId, undefined, { subgraphs: true });
    const state = (deep.tasks[0] as unknown as { state: Obj }).state;
    expect(state.values).toMatchObject({ topic: "cats", steps: ["prep"] });
    expect(state.next).toEqual(["write"]);
    expect((state.checkpoint as Obj).checkpoint_ns).toBe(checkpoint.checkpoint_ns);
  });

  it("checkpoint_ns reads the child's state and history; Command({resume}) finishes the child", async () => {
    const { threadId } = await pausedThread();
    const head = await client.threads.getState(threadId);
    const ns = (head.tasks[0] as unknown as { checkpoint: { checkpoint_ns: string } }).checkpoint
      .checkpoint_ns;

    const child = await client.threads.getState(threadId, { checkpoint_ns: ns } as never);
    expect(child.values).toMatchObject({ topic: "cats", steps: ["prep"] });
    expect(child.next).toEqual(["write"]);
    expect(child.checkpoint.checkpoint_ns).toBe(ns);
    const childId = child.checkpoint.checkpoint_id as string;
    const byId = await client.threads.getState(threadId, {
      checkpoint_ns: ns,
      checkpoint_id: childId,
    } as never);
    expect(byId.values).toEqual(child.values);
    const byGet = await call(
      server.baseUrl,
      "GET",
      `/threads/${threadId}/state/${childId}?checkpoint_ns=${ns}`,
    );
    expect(byGet.status).toBe(200);
    expect((byGet.body as Obj).values).toEqual(child.values);

    const history = await client.threads.getHistory(threadId, { checkpoint: { checkpoint_ns: ns } });
    expect(history.length).toBeGreaterThanOrEqual(2);
    for (const s of history) expect(s.checkpoint.checkpoint_ns).toBe(ns);
    expect(history[0]?.checkpoint.checkpoint_id).toBe(childId);
    const root = await client.threads.getHistory(threadId);
    for (const s of root) expect(s.checkpoint.checkpoint_ns).toBe("");
    expect(root.map((s) => s.checkpoint.checkpoint_id)).not.toContain(childId);

    const done = (await client.runs.wait(threadId, graph, { command: { resume: "yes" } })) as Obj;
    expect(done).toMatchObject({ topic: "cats", joke: "yes: a joke about cats", log: ["pick", "done"] });
    expect(done.__interrupt__).toBeUndefined();
    const after = await client.threads.getState(threadId);
    expect(after.next).toEqual([]);
    expect((await client.threads.get(threadId)).status).toBe("idle");
  });

  it("updateState with checkpoint_ns edits the child; the resumed run goes on from the edit", async () => {
    const { threadId } = await pausedThread();
    const head = await client.threads.getState(threadId);
    const ns = (head.tasks[0] as unknown as { checkpoint: { checkpoint_ns: string } }).checkpoint
      .checkpoint_ns;
    const updated = (await client.threads.updateState(threadId, {
      values: { topic: "dogs" },
      checkpoint: { checkpoint_ns: ns } as never,
      asNode: "prep",
    })) as unknown as { checkpoint: { checkpoint_ns: string; checkpoint_id: string } };
    expect(updated.checkpoint.checkpoint_ns).toBe(ns);
    const child = await client.threads.getState(threadId, { checkpoint_ns: ns } as never);
    expect(child.checkpoint.checkpoint_id).toBe(updated.checkpoint.checkpoint_id);
    expect(child.values).toMatchObject({ topic: "dogs", steps: ["prep"] });
    expect(child.next).toEqual(["write"]);
    expect(child.metadata?.source).toBe("update");
    // The parent is still paused in the subgraph, and resuming it runs `write` on the edited state.
    expect((await client.threads.getState(threadId)).next).toEqual(["sub"]);
    const done = (await client.runs.wait(threadId, graph, { command: { resume: "yes" } })) as Obj;
    expect(done.__interrupt__).toBeUndefined();
    expect(done).toMatchObject({ joke: "yes: a joke about dogs", log: ["pick", "done"] });
    const bad = await call(server.baseUrl, "POST", `/threads/${threadId}/state`, {
      values: { topic: "x" },
      checkpoint: { checkpoint_ns: "nope:1" },
    });
    expect([bad.status, bad.body]).toEqual([400, { detail: "Subgraph nope not found" }]);
  });

  it("a checkpoint_ns that names no subgraph is refused with 400 Subgraph <name> not found", async () => {
    const { threadId } = await pausedThread();
    const bad = { checkpoint: { checkpoint_ns: "nope:1ef9f7a0-0000-6000-8000-000000000000" } };
    const state = await call(server.baseUrl, "POST", `/threads/${threadId}/state/checkpoint`, bad);
    expect(state.status).toBe(400);
    expect(state.body).toEqual({ detail: "Subgraph nope not found" });
    const history = await call(server.baseUrl, "POST", `/threads/${threadId}/history`, bad);
    expect(history.status).toBe(400);
    expect(history.body).toEqual({ detail: "Subgraph nope not found" });
    // A node that is no subgraph is refused too; the subgraph node with a task that never ran has no state.
    const plainNode = await call(server.baseUrl, "GET", `/threads/${threadId}/state?checkpoint_ns=pick:1`);
    expect([plainNode.status, plainNode.body]).toEqual([400, { detail: "Subgraph pick not found" }]);
    const noTask = { checkpoint: { checkpoint_ns: "sub:00000000-0000-4000-8000-000000000000" } };
    const empty = await call(server.baseUrl, "POST", `/threads/${threadId}/state/checkpoint`, noTask);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ values: {}, next: [], tasks: [] });
    expect(await client.threads.getHistory(threadId, { checkpoint: noTask.checkpoint })).toEqual([]);
  });

  it("over gRPC, a subgraph's stream parts carry their namespace; GetState reads checkpoint_ns", async () => {
    const thread = await grpc.call("ThreadsService", "Create", {});
    const threadId = thread.thread_id as string;
    const parts: RawMessage[] = [];
    const stream = grpc.stream("RunsService", "Stream", {
      thread_id: threadId,
      assistant_id: graph,
      input: { structValue: { fields: {} } },
      stream_mode: ["updates", "custom"],
      stream_subgraphs: true,
    });
    for await (const part of stream) parts.push(part as RawMessage);
    const child = parts.filter((p) => p.namespace !== "");
    expect(child.length).toBeGreaterThan(0);
    for (const p of child) {
      expect(p.namespace).toMatch(NS);
      expect(p.event).toBe(`${(p.event as string).split("|")[0]}|${p.namespace}`);
    }
    const custom = child.find((p) => (p.event as string).startsWith("custom|"));
    expect(fromValue(custom?.data as RawMessage)).toEqual({ progress: "prep" });
    expect(parts.find((p) => p.event === "updates")?.namespace).toBe("");

    const ns = child[0]?.namespace as string;
    const state = await grpc.call("ThreadsService", "GetState", { thread_id: threadId, checkpoint_ns: ns });
    expect(fromStruct(state.values as RawMessage)).toMatchObject({ topic: "cats", steps: ["prep"] });
    expect(state.next).toEqual(["write"]);
    const refused = await grpcCode(
      grpc.call("ThreadsService", "GetState", { thread_id: threadId, checkpoint_ns: "nope:1" }),
    );
    expect(refused).toEqual({ code: 3, details: "Subgraph nope not found" });
  });

  it("over gRPC, a checkpoint_ns of no subgraph is InvalidArgument on GetState, GetHistory and UpdateState; nothing written", async () => {
    const { threadId } = await pausedThread();
    const checkpoints = () =>
      server.testDb.db.collection("checkpoints").countDocuments({ thread_id: threadId });
    const before = await checkpoints();
    const head = await grpc.call("ThreadsService", "GetState", { thread_id: threadId });
    const bad = { checkpoint_ns: "nope:1ef9f7a0-0000-6000-8000-000000000000" };
    const refusals = [
      grpc.call("ThreadsService", "GetState", { thread_id: threadId, checkpoint: bad }),
      grpc.call("ThreadsService", "GetState", { thread_id: threadId, checkpoint_ns: "pick:1" }),
      grpc.call("ThreadsService", "GetHistory", { thread_id: threadId, checkpoint: bad }),
      grpc.call("ThreadsService", "UpdateState", {
        thread_id: threadId,
        values: toValue({ topic: "x" }),
        checkpoint: bad,
      }),
    ];
    const codes = await Promise.all(refusals.map(grpcCode));
    expect(codes).toEqual([
      { code: 3, details: "Subgraph nope not found" },
      { code: 3, details: "Subgraph pick not found" },
      { code: 3, details: "Subgraph nope not found" },
      { code: 3, details: "Subgraph nope not found" },
    ]);
    expect(await checkpoints()).toBe(before);
    const after = await grpc.call("ThreadsService", "GetState", { thread_id: threadId });
    expect(after.checkpoint).toEqual(head.checkpoint);
    expect(fromStruct(after.values as RawMessage)).toEqual(fromStruct(head.values as RawMessage));
  });
});
