import { describe, expect, it } from "vitest";
import {
  coerceMessage,
  END,
  InvalidUpdateError,
  type Message,
  MessagesAnnotation,
  messagesStateReducer,
  REMOVE_ALL_MESSAGES,
  type RunEvent,
  removeMessage,
  runGraph,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import { graph as chat } from "../../src/graphs/chat.js";
import { MemoryStore } from "./helpers.js";

const human = (content: string, id: string): Message => coerceMessage({ type: "human", content, id });

describe("messagesStateReducer (add_messages)", () => {
  it("appends new messages and assigns uuids to messages without an id", () => {
    const out = messagesStateReducer([human("a", "1")], [{ role: "user", content: "b" }]);
    expect(out.map((m) => m.content)).toEqual(["a", "b"]);
    expect(out[1]?.id).toMatch(/^[0-9a-f-]{36}$/);
  });
  it("an update with an existing id replaces that message in place", () => {
    const out = messagesStateReducer([human("a", "1"), human("b", "2")], {
      type: "ai",
      content: "A",
      id: "1",
    });
    expect(out.map((m) => [m.id, m.type, m.content])).toEqual([
      ["1", "ai", "A"],
      ["2", "human", "b"],
    ]);
  });
  it("RemoveMessage by id drops the message; an absent id is an error naming it", () => {
    expect(
      messagesStateReducer([human("a", "1"), human("b", "2")], [removeMessage("1")]).map((m) => m.id),
    ).toEqual(["2"]);
    expect(() => messagesStateReducer([human("a", "1")], [removeMessage("nope")])).toThrow(
      "Attempting to delete a message with an ID that doesn't exist ('nope')",
    );
  });
  it("REMOVE_ALL_MESSAGES keeps only the messages after the marker", () => {
    const out = messagesStateReducer(
      [human("a", "1")],
      [human("x", "9"), removeMessage(REMOVE_ALL_MESSAGES), human("b", "2")],
    );
    expect(out.map((m) => m.id)).toEqual(["2"]);
  });
  it("coerces a string, [role, content] pairs, {role, content} and chunk types into the wire shape", () => {
    const [s, t, r, c] = messagesStateReducer(
      [],
      [
        "hi",
        ["assistant", "yo"],
        { role: "system", content: "sys" },
        { type: "AIMessageChunk", content: "x", id: "c" },
      ],
    );
    expect(s).toMatchObject({ type: "human", content: "hi", additional_kwargs: {}, response_metadata: {} });
    expect(t).toMatchObject({ type: "ai", content: "yo", tool_calls: [], invalid_tool_calls: [] });
    expect(r).toMatchObject({ type: "system", content: "sys" });
    expect(c).toMatchObject({ type: "ai", id: "c" });
    expect(coerceMessage({ role: "tool", content: "r", tool_call_id: "k" })).toMatchObject({
      type: "tool",
      tool_call_id: "k",
    });
    expect(
      coerceMessage({
        type: "ai",
        content: "",
        tool_calls: [{ id: "k", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
      }).tool_calls,
    ).toEqual([{ id: "k", name: "f", args: { a: 1 }, type: "tool_call" }]);
  });
  it("refuses what is not message-like (InvalidUpdateError)", () => {
    expect(() => messagesStateReducer([], [42])).toThrow(InvalidUpdateError);
    expect(() => messagesStateReducer([], [{ type: "tool", content: "x" }])).toThrow(/tool_call_id/);
    expect(() => messagesStateReducer([], [{ type: "bogus", content: "x" }])).toThrow(/bogus/);
  });
});

describe("messages in a run", () => {
  it("values carry messages in the wire shape with ids assigned once (stable across reads)", async () => {
    const store = new MemoryStore();
    const r = await runGraph(chat, store, { threadId: "t", input: { messages: "hello" } });
    expect(r.values.messages).toMatchObject([
      { type: "human", content: "hello" },
      { type: "ai", content: "You said: hello" },
    ]);
    const again = await runGraph(chat, store, { threadId: "t", input: null });
    expect(again.values.messages).toEqual(r.values.messages);
  });

  it("messages-tuple: each streamed chunk as [chunk, metadata] with langgraph_* metadata; the final message not repeated", async () => {
    const events: RunEvent[] = [];
    await runGraph(chat, new MemoryStore(), {
      threadId: "t",
      input: { messages: [{ role: "user", content: "a b" }] },
      streamMode: ["messages-tuple"],
      metadata: { run_id: "r1" },
      onEvent: (e) => events.push(e),
    });
    expect(events.every((e) => e.mode === "messages")).toBe(true);
    const tuples = events.map((e) => e.data as [Message, Record<string, unknown>]);
    expect(tuples.map(([m]) => m.content)).toEqual(["You ", "said: ", "a ", "b"]);
    const [chunk, meta] = tuples[0] as [Message, Record<string, unknown>];
    expect(chunk).toMatchObject({ type: "ai", tool_call_chunks: [] });
    expect(new Set(tuples.map(([m]) => m.id)).size).toBe(1);
    expect(meta).toMatchObject({
      run_id: "r1",
      langgraph_node: "chat",
      langgraph_step: 1,
      langgraph_triggers: ["branch:to:chat"],
    });
    expect(meta.langgraph_checkpoint_ns).toMatch(/^chat:[0-9a-f-]{36}$/);
  });

  it("a node that returns a message without streaming emits it complete once; messages mode gives metadata/partial/complete", async () => {
    const g = new StateGraph(MessagesAnnotation)
      .addNode("reply", () => ({ messages: [{ type: "ai", content: "done" }] }))
      .addEdge(START, "reply")
      .addEdge("reply", END)
      .compile();
    const events: RunEvent[] = [];
    await runGraph(g, new MemoryStore(), {
      threadId: "t",
      input: { messages: ["q"] },
      streamMode: ["messages-tuple", "messages"],
      onEvent: (e) => events.push(e),
    });
    const tuples = events.filter((e) => e.mode === "messages");
    expect(tuples).toHaveLength(1);
    const [tuple] = tuples.map((e) => e.data as [Message, unknown]);
    expect(tuple?.[0]).toMatchObject({ type: "ai", content: "done" });
    const complete = events.filter((e) => e.mode === "messages/complete").flatMap((e) => e.data as Message[]);
    expect(complete.map((m) => m.content)).toEqual(["q", "done"]);

    const streamed: RunEvent[] = [];
    await runGraph(chat, new MemoryStore(), {
      threadId: "u",
      input: { messages: ["x"] },
      streamMode: ["messages"],
      onEvent: (e) => streamed.push(e),
    });
    expect(streamed.map((e) => e.mode)).toContain("messages/metadata");
    const partials = streamed
      .filter((e) => e.mode === "messages/partial")
      .map((e) => (e.data as Message[])[0]?.content);
    expect(partials.at(-1)).toBe("You said: x");
  });

  it("a message that is not message-like in the run input is refused before anything is written", async () => {
    const store = new MemoryStore();
    await expect(runGraph(chat, store, { threadId: "t", input: { messages: [7] } })).rejects.toThrow(
      InvalidUpdateError,
    );
    expect(await store.getTuple({ threadId: "t", checkpointNs: "" })).toBeUndefined();
  });
});
