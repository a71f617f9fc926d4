/**
 * The documented flows through connect-node clients on the generated descriptors: the Connect protocol (JSON
 * and binary, HTTP/1.1 and h2c), gRPC-Web, and connect-node's gRPC transport.
 */
import { fromJson, type JsonObject, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssistantsService } from "../../gen/ts/loom/v1/assistants_pb.js";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { systemAssistantId } from "../../src/service/assistants/resolve.js";
import { type ApiServer, startApiServer } from "./support.js";

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer("api_connect_flows");
});
afterAll(async () => {
  await server?.close();
});

const v = (json: Parameters<typeof fromJson<typeof ValueSchema>>[1]) => fromJson(ValueSchema, json);

const transports: Array<[string, () => Transport]> = [
  [
    "Connect JSON over HTTP/1.1",
    () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: false }),
  ],
  [
    "Connect binary over h2c",
    () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2", useBinaryFormat: true }),
  ],
  ["gRPC-Web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" })],
  ["gRPC over h2c", () => createGrpcTransport({ baseUrl: server.baseUrl })],
];

describe.each(transports)("%s", (_name, makeTransport) => {
  let threads: Client<typeof ThreadsService>;
  let runs: Client<typeof RunsService>;
  let assistants: Client<typeof AssistantsService>;
  beforeAll(() => {
    const t = makeTransport();
    threads = createClient(ThreadsService, t);
    runs = createClient(RunsService, t);
    assistants = createClient(AssistantsService, t);
  });

  it("human in the loop", async () => {
    const { threadId } = await threads.create({});
    const first = await runs.wait({
      threadId,
      assistantId: "agent",
      input: v({ some_text: "original text" }),
    });
    const interrupts = first.values?.__interrupt__ as JsonObject[];
    expect(interrupts[0]?.value).toEqual({ text_to_revise: "original text" });
    expect(first.run?.status).toBe("success");
    const resumed = await runs.wait({
      threadId,
      assistantId: "agent",
      command: { resume: v("Edited text") },
    });
    expect(resumed.values).toEqual({ some_text: "Edited text" });
    expect((await threads.get({ threadId })).status).toBe("idle");
  });

  it("static breakpoints", async () => {
    const { threadId } = await threads.create({});
    const bp = { interruptBefore: ["node_a"], interruptAfter: ["node_b", "node_c"] };
    const r1 = await runs.wait({
      threadId,
      assistantId: "breakpoints",
      input: v({ messages: ["m"] }),
      ...bp,
    });
    expect(r1.values).toEqual({ messages: ["m"], __interrupt__: [] });
    const r2 = await runs.wait({ threadId, assistantId: "breakpoints", ...bp });
    expect(r2.values).toEqual({ messages: ["m", "node_a", "node_b"], __interrupt__: [] });
    const state = await threads.getState({ threadId });
    expect(state.next).toEqual(["node_c"]);
  });

  it("time travel", async () => {
    const { threadId } = await threads.create({});
    await runs.wait({ threadId, assistantId: "joke", input: v({}) });
    const { states } = await threads.getHistory({ threadId, limit: 10 });
    const cpId = states.find((s) => s.next[0] === "write_joke")?.checkpoint?.checkpointId as string;
    const upd = await threads.updateState({ threadId, checkpointId: cpId, values: v({ topic: "chickens" }) });
    const forkId = upd.checkpoint?.checkpointId as string;
    const r = await runs.wait({ threadId, assistantId: "joke", checkpointId: forkId });
    expect(r.values?.topic).toBe("chickens");
    expect((await threads.getHistory({ threadId, limit: 100 })).states).toHaveLength(6);
  });

  it("server streaming", async () => {
    const { threadId } = await threads.create({});
    const parts: Array<{ event: string; data: unknown }> = [];
    for await (const p of runs.stream({
      threadId,
      assistantId: "agent",
      input: v({ some_text: "t" }),
      streamMode: ["updates"],
    })) {
      parts.push({ event: p.event, data: p.data ? toJson(ValueSchema, p.data) : null });
    }
    expect(parts[0]?.event).toBe("metadata");
    expect(parts.at(-1)).toMatchObject({
      event: "updates",
      data: { __interrupt__: [{ value: { text_to_revise: "t" } }] },
    });
  });

  it("assistants by graph id", async () => {
    const a = await assistants.get({ assistantId: "joke" });
    expect(a.assistantId).toBe(systemAssistantId("joke"));
    expect((await assistants.count({ graphId: "joke" })).count).toBeGreaterThanOrEqual(1);
  });
});

describe("Connect JSON on the wire", () => {
  it("POST /loom.v1.ThreadsService/Create answers snake_case JSON on the same port as REST", async () => {
    const res = await fetch(`${server.baseUrl}/loom.v1.ThreadsService/Create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ metadata: { via: "connect" } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.thread_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.metadata).toEqual({ via: "connect" });
  });
});
