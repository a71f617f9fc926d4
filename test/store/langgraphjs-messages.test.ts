/**
 * LangChain messages in LangGraph.js checkpoints on Loom's MongoDB store: stored as their readable serialized form
 * (`{lc, type: "constructor", id: [..., "HumanMessage"], kwargs}`), read back as the same classes; and a hosted
 * `StateGraph(MessagesAnnotation)` shows them in the wire shape `{type, content, id, tool_calls, ...}`.
 */
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { emptyCheckpoint, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import type { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostLangGraphJs } from "../../src/host/langgraphjs/host.js";
import { createMongoSaver } from "../../src/host/langgraphjs/mongo-saver.js";
import { createMongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let testDb: TestDb;
beforeAll(async () => {
  testDb = await openTestDb("lg_messages");
});
afterAll(() => testDb?.drop());

const toolCall = { id: "call_1", name: "add", args: { a: 1, b: 2 }, type: "tool_call" as const };

describe("LangChain messages in MongoDB", () => {
  it("are readable documents and come back as the same classes", async () => {
    const saver = await createMongoSaver({ client: testDb.client as MongoClient, dbName: testDb.dbName });
    const checkpoint = {
      ...emptyCheckpoint(),
      channel_values: {
        messages: [
          new HumanMessage({ content: "add 1 and 2", id: "m1" }),
          new AIMessage({ content: "", id: "m2", tool_calls: [toolCall] }),
          new ToolMessage({ content: "3", id: "m3", tool_call_id: "call_1" }),
        ],
      },
      channel_versions: { messages: 1 },
    };
    const config = { configurable: { thread_id: "t-msg", checkpoint_ns: "" } };
    await saver.put(config, checkpoint, { source: "input", step: -1, parents: {} }, { messages: 1 });

    const doc = await testDb.db.collection("checkpoints").findOne({ thread_id: "t-msg" });
    if (!doc) throw new Error("no checkpoint document for thread t-msg");
    const stored = (doc.values as { messages: Array<Record<string, unknown>> }).messages;
    expect(stored[0]).toMatchObject({
      lc: 1,
      type: "constructor",
      kwargs: { content: "add 1 and 2", id: "m1" },
    });
    expect(stored[0]?.id).toContain("HumanMessage");
    expect(stored[1]?.kwargs).toMatchObject({
      tool_calls: [{ id: "call_1", name: "add", args: { a: 1, b: 2 } }],
    });
    // Queryable in place.
    expect(
      await testDb.db
        .collection("checkpoints")
        .countDocuments({ "values.messages.kwargs.tool_call_id": "call_1" }),
    ).toBe(1);

    const tuple = await saver.getTuple(config);
    if (!tuple) throw new Error("getTuple found no checkpoint for thread t-msg");
    const [human, ai, tool] = tuple.checkpoint.channel_values.messages as unknown[];
    expect(human).toBeInstanceOf(HumanMessage);
    expect(ai).toBeInstanceOf(AIMessage);
    expect((ai as AIMessage).tool_calls).toEqual([toolCall]);
    expect(tool).toBeInstanceOf(ToolMessage);
    expect((tool as ToolMessage).tool_call_id).toBe("call_1");
  });

  it("a hosted StateGraph(MessagesAnnotation) shows messages in the wire shape", async () => {
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("bot", (state) => ({
        messages: [new AIMessage({ content: `echo: ${String(state.messages.at(-1)?.content)}`, id: "a1" })],
      }))
      .addEdge(START, "bot")
      .compile();
    const hosted = await hostLangGraphJs("chat", graph);
    const store = createMongoStore({ client: testDb.client as MongoClient, dbName: testDb.dbName });
    const result = await hosted.run(store.checkpoints, {
      threadId: "t-chat",
      input: { messages: [{ type: "human", content: "hello", id: "h1" }] },
    });
    expect(result.status).toBe("success");
    expect(result.values.messages).toEqual([
      expect.objectContaining({ type: "human", content: "hello", id: "h1" }),
      expect.objectContaining({ type: "ai", content: "echo: hello", id: "a1", tool_calls: [] }),
    ]);
    const history = await hosted.getHistory(store.checkpoints, { threadId: "t-chat" });
    expect(history.map((s) => s.metadata?.step)).toEqual([1, 0, -1]);
  });
});
