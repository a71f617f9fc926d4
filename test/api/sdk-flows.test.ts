/**
 * The documented flows through the official JS SDK, `@langchain/langgraph-sdk` 2.0.0 `Client`, unchanged
 * (DESIGN.md: "its documented curl commands and its official SDKs work against Loom unchanged").
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemAssistantId } from "../../src/service/assistants/resolve.js";
import { type ApiServer, startApiServer } from "./support.js";

let server: ApiServer;
let client: Client;

beforeAll(async () => {
  server = await startApiServer("api_sdk_flows");
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

describe("JS SDK", () => {
  it("human in the loop: runs.wait → __interrupt__, then {command: {resume}}", async () => {
    const thread = await client.threads.create();
    let created: { run_id: string; thread_id?: string | null } | undefined;
    const first = (await client.runs.wait(thread.thread_id, "agent", {
      input: { some_text: "original text" },
      onRunCreated: (m) => {
        created = m;
      },
    })) as Obj;
    expect(created?.thread_id).toBe(thread.thread_id);
    const interrupts = first.__interrupt__ as Array<{ id: string; value: unknown }>;
    expect(interrupts[0]?.value).toEqual({ text_to_revise: "original text" });
    const t = await client.threads.get(thread.thread_id);
    expect(t.status).toBe("interrupted");
    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual(["human_node"]);
    expect(state.tasks[0]?.interrupts[0]?.id).toBe(interrupts[0]?.id);

    const resumed = await client.runs.wait(thread.thread_id, "agent", { command: { resume: "Edited text" } });
    expect(resumed).toEqual({ some_text: "Edited text" });
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
    const runs = await client.runs.list(thread.thread_id);
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.run_id === created?.run_id)?.status).toBe("success");
  });

  it("static breakpoints: interruptBefore / interruptAfter, resumed with input null", async () => {
    const thread = await client.threads.create();
    const opts = { interruptBefore: ["node_a"], interruptAfter: ["node_b", "node_c"] };
    const r1 = await client.runs.wait(thread.thread_id, "breakpoints", {
      input: { messages: ["hi"] },
      ...opts,
    });
    expect(r1).toEqual({ messages: ["hi"], __interrupt__: [] });
    expect((await client.threads.getState(thread.thread_id)).next).toEqual(["node_a"]);
    const r2 = await client.runs.wait(thread.thread_id, "breakpoints", { input: null, ...opts });
    expect(r2).toEqual({ messages: ["hi", "node_a", "node_b"], __interrupt__: [] });
    const r3 = await client.runs.wait(thread.thread_id, "breakpoints", { input: null, ...opts });
    expect(r3).toEqual({ messages: ["hi", "node_a", "node_b", "node_c"], __interrupt__: [] });
    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual([]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("time travel: getHistory, updateState({values, checkpointId}), runs.wait({input: null, checkpointId})", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "joke", { input: {} });
    const history = await client.threads.getHistory(thread.thread_id);
    expect(history.map((s) => s.metadata?.step)).toEqual([2, 1, 0, -1]);
    const before = history.find((s) => s.next[0] === "write_joke");
    const cpId = before?.checkpoint.checkpoint_id as string;
    const upd = await client.threads.updateState(thread.thread_id, {
      values: { topic: "chickens" },
      checkpointId: cpId,
    });
    // The SDK types the answer as a Config: `configurable` (the Python server's answer, docs/api.md §3).
    const forkId = upd.configurable?.checkpoint_id as string;
    const fork = await client.threads.getState(thread.thread_id, forkId);
    expect(fork.parent_checkpoint?.checkpoint_id).toBe(cpId);
    const result = (await client.runs.wait(thread.thread_id, "joke", {
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
  });

  it("runs.stream: metadata first, then values and updates; the interrupt arrives as a values chunk", async () => {
    const thread = await client.threads.create();
    const parts: Array<{ event: string; data: unknown }> = [];
    for await (const part of client.runs.stream(thread.thread_id, "agent", {
      input: { some_text: "s" },
      streamMode: ["values", "updates"],
    })) {
      parts.push(part as { event: string; data: unknown });
    }
    expect(parts[0]?.event).toBe("metadata");
    expect(new Set(parts.slice(1).map((p) => p.event))).toEqual(new Set(["values", "updates"]));
    const lastValues = parts.filter((p) => p.event === "values").pop()?.data as Obj;
    expect(lastValues.__interrupt__).toHaveLength(1);
  });

  it("assistants: graph ids resolve to system assistants; search, graph, schemas", async () => {
    const a = await client.assistants.get("agent");
    expect(a.assistant_id).toBe(systemAssistantId("agent"));
    expect(a.metadata).toMatchObject({ created_by: "system" });
    const found = await client.assistants.search({ graphId: "joke" });
    expect(found.map((x) => x.assistant_id)).toContain(systemAssistantId("joke"));
    const graph = (await client.assistants.getGraph("breakpoints")) as unknown as {
      nodes: Obj[];
      edges: Obj[];
    };
    expect(graph.nodes.map((n) => n.id)).toEqual(["__start__", "node_a", "node_b", "node_c", "__end__"]);
    const schemas = await client.assistants.getSchemas("joke");
    expect(Object.keys((schemas.state_schema as { properties: Obj }).properties)).toEqual(["topic", "joke"]);
    const mine = await client.assistants.create({
      graphId: "joke",
      name: "mine",
      config: { recursion_limit: 5 },
    });
    const patched = await client.assistants.update(mine.assistant_id, { metadata: { v: 2 } });
    expect(patched.version).toBe(2);
    const thread = await client.threads.create();
    const r = (await client.runs.wait(thread.thread_id, mine.assistant_id, {
      input: { topic: "owls" },
    })) as Obj;
    expect(r.joke).toContain("owls");
    await client.assistants.delete(mine.assistant_id);
    await expect(client.assistants.get(mine.assistant_id)).rejects.toThrow(/404/);
  });

  it("threads: create with metadata, update, search, count, copy, delete", async () => {
    const t = await client.threads.create({ metadata: { owner: "sdk-test" } });
    await client.threads.update(t.thread_id, { metadata: { extra: true } });
    const got = await client.threads.get(t.thread_id);
    expect(got.metadata).toMatchObject({ owner: "sdk-test", extra: true });
    await client.runs.wait(t.thread_id, "joke", { input: { topic: "dogs" } });
    const found = await client.threads.search({ metadata: { owner: "sdk-test" } });
    expect(found.map((x) => x.thread_id)).toEqual([t.thread_id]);
    expect(await client.threads.count({ metadata: { owner: "sdk-test" } })).toBe(1);
    const copy = await client.threads.copy(t.thread_id);
    expect(copy.thread_id).not.toBe(t.thread_id);
    const h1 = await client.threads.getHistory(t.thread_id);
    const h2 = await client.threads.getHistory(copy.thread_id);
    expect(h2.map((s) => s.values)).toEqual(h1.map((s) => s.values));
    await client.threads.delete(t.thread_id);
    await expect(client.threads.get(t.thread_id)).rejects.toThrow(/404/);
    await expect(client.threads.delete(t.thread_id)).rejects.toThrow(/404/);
  });

  it("threads.create with supersteps writes one checkpoint per superstep", async () => {
    const thread = await client.threads.create({
      graphId: "breakpoints",
      supersteps: [
        { updates: [{ values: { messages: ["in"] }, asNode: "__input__" }] },
        { updates: [{ values: { messages: ["a"] }, asNode: "node_a" }] },
      ],
    });
    const state = await client.threads.getState(thread.thread_id);
    const history = await client.threads.getHistory(thread.thread_id);
    const done = await client.runs.wait(thread.thread_id, "breakpoints", { input: null });
    expect(thread.status).toBe("interrupted");
    expect(thread.metadata).toEqual({ graph_id: "breakpoints" });
    // The __input__ superstep writes the input checkpoint (next: __start__); the node_a update replaces that
    // pending step, so only its write is in the state and node_b runs next.
    expect(history.map((h) => [h.metadata?.source, h.next])).toEqual([
      ["update", ["node_b"]],
      ["input", ["__start__"]],
    ]);
    expect(state.values).toEqual({ messages: ["a"] });
    expect(thread.values).toEqual(state.values);
    expect(done).toEqual({ messages: ["a", "node_b", "node_c"] });
    await expect(
      client.threads.create({ supersteps: [{ updates: [{ values: {}, asNode: "__input__" }] }] }),
    ).rejects.toThrow(/422/);
  });

  it("an unknown assistant surfaces the documented message", async () => {
    const thread = await client.threads.create();
    await expect(client.runs.wait(thread.thread_id, "nope", { input: {} })).rejects.toThrow(
      /No assistant found for/,
    );
  });
});
