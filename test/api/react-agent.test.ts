/**
 * The LangGraph.js example graphs of `examples/langgraphjs/`, served from the default `loom.json`: the ReAct agent
 * (`react_agent`: both tools, tokens on `messages-tuple`) and the tool-call review graph (`tool_review`: an
 * interrupt per proposed call, resumed with approve / edit / reject), through the official JS SDK over REST and
 * grpc-js over gRPC, on a real server and mongod.
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fromStruct,
  fromValue,
  type GrpcClients,
  grpcClients,
  type Json,
  toValue,
} from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { projectRoot } from "./support.js";

type Obj = Record<string, unknown>;
type Message = { type: string; content: unknown; tool_calls?: Obj[]; tool_call_id?: string; status?: string };

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer("api_react_agent", { configPath: path.join(projectRoot, "loom.json") });
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

const QUESTION = "What is the weather in Paris, and what is 2 + 3?";
const ANSWER = "It is sunny and 21 °C in Paris. 2 + 3 = 5.";
const human = (content: string) => ({ messages: [{ type: "human", content }] });

async function messagesOf(threadId: string): Promise<Message[]> {
  return ((await client.threads.getState(threadId)).values as { messages: Message[] }).messages;
}

describe("react_agent (createReactAgent, two tools, scripted streaming model)", () => {
  it("answers using both tools: the tool calls, both tool messages and the answer are in the state", async () => {
    const thread = await client.threads.create();
    const result = (await client.runs.wait(thread.thread_id, "react_agent", { input: human(QUESTION) })) as {
      messages: Message[];
    };
    expect(result.messages.map((m) => [m.type, m.content])).toEqual([
      ["human", QUESTION],
      ["ai", ""],
      ["tool", "It is sunny and 21 °C in Paris."],
      ["tool", "2 + 3 = 5."],
      ["ai", ANSWER],
    ]);
    const calls = result.messages[1]?.tool_calls ?? [];
    expect(calls.map((c) => [c.name, c.args])).toEqual([
      ["get_weather", { city: "Paris" }],
      ["add", { a: 2, b: 3 }],
    ]);
    expect(result.messages.slice(2, 4).map((m) => m.tool_call_id)).toEqual(calls.map((c) => c.id));
    expect(await messagesOf(thread.thread_id)).toEqual(result.messages);
    const history = await client.threads.getHistory(thread.thread_id);
    // input, agent (tool calls), tools, agent (answer): parent-linked checkpoints, newest first.
    expect(history.map((s) => s.metadata?.step)).toEqual([3, 2, 1, 0, -1]);
  });

  it("messages-tuple streams the model's answer token by token as [chunk, metadata]", async () => {
    const thread = await client.threads.create();
    const tuples: Array<[Obj, Obj]> = [];
    for await (const part of client.runs.stream(thread.thread_id, "react_agent", {
      input: human(QUESTION),
      streamMode: ["messages-tuple"],
    })) {
      if (part.event === "messages") tuples.push(part.data as [Obj, Obj]);
    }
    // The answer: the agent node's second turn (step 3), several chunks of one message.
    const answer = tuples.filter(([, meta]) => meta.langgraph_node === "agent" && meta.langgraph_step === 3);
    expect(answer.length).toBeGreaterThan(3);
    expect(answer.map(([chunk]) => chunk.content).join("")).toBe(ANSWER);
    expect(new Set(answer.map(([chunk]) => chunk.id)).size).toBe(1);
    expect(answer[0]?.[0].type).toMatch(/^ai/);
    // The chunks carry the id of the message the state then holds, so a client merges them into it.
    expect((await messagesOf(thread.thread_id)).at(-1)).toMatchObject({
      id: answer[0]?.[0].id,
      content: ANSWER,
    });
    // The first turn streams the tool calls (step 1), the tools node its tool messages (step 2).
    const firstTurn = tuples.find(([, meta]) => meta.langgraph_step === 1);
    expect(firstTurn?.[1].langgraph_node).toBe("agent");
    expect(JSON.stringify(firstTurn?.[0])).toContain("get_weather");
    const tools = tuples.filter(([, meta]) => meta.langgraph_node === "tools").map(([m]) => m.content);
    expect(tools).toEqual(["It is sunny and 21 °C in Paris.", "2 + 3 = 5."]);
  });
});

describe("tool_review (interrupt before each tool call; approve / edit / reject)", () => {
  /** Starts a thread asking "what is 2 + 3?"; returns it with the pending interrupt. */
  async function proposeAdd() {
    const thread = await client.threads.create();
    const first = (await client.runs.wait(thread.thread_id, "tool_review", {
      input: human("What is 2 + 3?"),
    })) as Obj;
    const interrupts = first.__interrupt__ as Array<{ id: string; value: Obj }>;
    expect(interrupts).toHaveLength(1);
    expect(interrupts[0]?.value).toMatchObject({
      action_request: { action: "add", args: { a: 2, b: 3 } },
      tool_call_id: "call_1",
      allowed_decisions: ["approve", "edit", "reject"],
    });
    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual(["review"]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    // Nothing ran yet: the proposal is the last message.
    expect((await messagesOf(thread.thread_id)).map((m) => m.type)).toEqual(["human", "ai"]);
    return thread.thread_id;
  }

  const resume = (threadId: string, decision: Obj) =>
    client.runs.wait(threadId, "tool_review", { command: { resume: decision } }) as Promise<{
      messages: Message[];
    }>;

  it("approve: the call runs as proposed, the model answers with its result", async () => {
    const tid = await proposeAdd();
    const done = await resume(tid, { type: "approve" });
    expect(done.messages.map((m) => [m.type, m.content])).toEqual([
      ["human", "What is 2 + 3?"],
      ["ai", ""],
      ["tool", "2 + 3 = 5."],
      ["ai", "2 + 3 = 5."],
    ]);
    expect((await client.threads.get(tid)).status).toBe("idle");
  });

  it("edit: the call runs with the edited args, and the state shows the call that ran", async () => {
    const tid = await proposeAdd();
    const done = await resume(tid, { type: "edit", args: { a: 10, b: 5 } });
    expect(done.messages.map((m) => [m.type, m.content])).toEqual([
      ["human", "What is 2 + 3?"],
      ["ai", ""],
      ["tool", "10 + 5 = 15."],
      ["ai", "10 + 5 = 15."],
    ]);
    expect(done.messages[1]?.tool_calls?.map((c) => [c.name, c.args, c.id])).toEqual([
      ["add", { a: 10, b: 5 }, "call_1"],
    ]);
  });

  it("reject: no tool runs; a tool message with the reason goes back to the model, which answers", async () => {
    const tid = await proposeAdd();
    const done = await resume(tid, { type: "reject", message: "no maths today" });
    expect(done.messages.map((m) => [m.type, m.content])).toEqual([
      ["human", "What is 2 + 3?"],
      ["ai", ""],
      ["tool", "no maths today"],
      ["ai", "I did not run add (no maths today)."],
    ]);
    expect(done.messages[2]).toMatchObject({ tool_call_id: "call_1", status: "error" });
  });

  it("a resume that is no decision counts as a rejection saying so", async () => {
    const tid = await proposeAdd();
    const done = await resume(tid, { type: "maybe" });
    expect(done.messages.slice(2).map((m) => [m.type, m.content])).toEqual([
      ["tool", 'not run: {"type":"maybe"} is no review decision'],
      ["ai", 'I did not run add (not run: {"type":"maybe"} is no review decision).'],
    ]);
  });

  it("two proposed calls: one interrupt each, in order; approve one and reject the other", async () => {
    const thread = await client.threads.create();
    const first = (await client.runs.wait(thread.thread_id, "tool_review", {
      input: human(QUESTION),
    })) as Obj;
    expect((first.__interrupt__ as Array<{ value: Obj }>)[0]?.value.action_request).toEqual({
      action: "get_weather",
      args: { city: "Paris" },
    });
    const second = (await client.runs.wait(thread.thread_id, "tool_review", {
      command: { resume: { type: "approve" } },
    })) as Obj;
    expect((second.__interrupt__ as Array<{ value: Obj }>)[0]?.value.action_request).toEqual({
      action: "add",
      args: { a: 2, b: 3 },
    });
    // Still waiting in `review` (LangGraph.js's own getState would drop the re-interrupted task from next).
    expect((await client.threads.getState(thread.thread_id)).next).toEqual(["review"]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const done = await resume(thread.thread_id, { type: "reject", message: "not now" });
    expect(done.messages.map((m) => [m.type, m.content])).toEqual([
      ["human", QUESTION],
      ["ai", ""],
      ["tool", "not now"],
      ["tool", "It is sunny and 21 °C in Paris."],
      ["ai", "I did not run add (not now). It is sunny and 21 °C in Paris."],
    ]);
  });
});

describe("grpc-js over gRPC", () => {
  let grpc: GrpcClients;
  beforeAll(() => {
    grpc = grpcClients(server.port);
  });
  afterAll(() => grpc?.close());

  it("tool_review: Wait → the interrupt with the tool call; Wait with an edit resume → the edited call ran", async () => {
    const tid = (await grpc.call("ThreadsService", "Create", {})).thread_id as string;
    const first = await grpc.call("RunsService", "Wait", {
      thread_id: tid,
      assistant_id: "tool_review",
      input: toValue(human("What is 2 + 3?")),
    });
    const interrupts = fromStruct(first.values as Obj).__interrupt__ as Array<{ [k: string]: Json }>;
    expect(interrupts[0]?.value).toMatchObject({ action_request: { action: "add", args: { a: 2, b: 3 } } });
    const done = await grpc.call("RunsService", "Wait", {
      thread_id: tid,
      assistant_id: "tool_review",
      command: { resume: toValue({ type: "edit", args: { a: 1, b: 1 } }) },
    });
    const messages = fromStruct(done.values as Obj).messages as Message[];
    expect(messages.map((m) => [m.type, m.content]).slice(2)).toEqual([
      ["tool", "1 + 1 = 2."],
      ["ai", "1 + 1 = 2."],
    ]);
  });

  it("react_agent: Stream with messages-tuple carries the answer's tokens with their metadata", async () => {
    const tid = (await grpc.call("ThreadsService", "Create", {})).thread_id as string;
    const stream = grpc.stream("RunsService", "Stream", {
      thread_id: tid,
      assistant_id: "react_agent",
      input: toValue(human(QUESTION)),
      stream_mode: ["messages-tuple"],
    });
    const tuples: Array<[Obj, Obj]> = [];
    for await (const part of stream as AsyncIterable<Obj>) {
      if (part.event === "messages") tuples.push(fromValue(part.data as Obj) as unknown as [Obj, Obj]);
    }
    const answer = tuples.filter(([, meta]) => meta.langgraph_node === "agent" && meta.langgraph_step === 3);
    expect(answer.length).toBeGreaterThan(3);
    expect(answer.map(([chunk]) => chunk.content).join("")).toBe(ANSWER);
  });
});
