import { describe, expect, it } from "vitest";
import { Command, getHistory, getState, runGraph, updateState } from "../../src/engine/index.js";
import { graph as agent } from "../../src/graphs/agent.js";
import { graph as breakpoints } from "../../src/graphs/breakpoints.js";
import { graph as joke, jokeAbout } from "../../src/graphs/joke.js";
import { MemoryStore } from "./helpers.js";

describe("example graphs: documented flows", () => {
  it("agent: HITL interrupt → resume → {some_text: 'Edited text'}", async () => {
    const store = new MemoryStore();
    const r1 = await runGraph(agent, store, { threadId: "t", input: { some_text: "original text" } });
    expect(r1.status).toBe("paused");
    expect(r1.interrupts).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        value: { text_to_revise: "original text" },
      }),
    ]);
    const state = await getState(agent, store, { threadId: "t" });
    expect(state.next).toEqual(["human_node"]);
    expect(state.tasks[0]?.interrupts[0]?.id).toBe(r1.interrupts[0]?.id);
    const r2 = await runGraph(agent, store, {
      threadId: "t",
      command: new Command({ resume: "Edited text" }),
    });
    expect(r2.status).toBe("success");
    expect(r2.values).toEqual({ some_text: "Edited text" });
    expect((await getState(agent, store, { threadId: "t" })).next).toEqual([]);
  });

  it("breakpoints: interrupt_before node_a, interrupt_after node_b and node_c, resumed with null", async () => {
    const store = new MemoryStore();
    const opts = {
      threadId: "t",
      interruptBefore: ["node_a"],
      interruptAfter: ["node_b", "node_c"],
    } as const;
    const r1 = await runGraph(breakpoints, store, { ...opts, input: { messages: ["hi"] } });
    expect([r1.status, r1.next, r1.values.messages]).toEqual(["paused", ["node_a"], ["hi"]]);
    const r2 = await runGraph(breakpoints, store, { ...opts, input: null });
    expect([r2.status, r2.next, r2.values.messages]).toEqual([
      "paused",
      ["node_c"],
      ["hi", "node_a", "node_b"],
    ]);
    const r3 = await runGraph(breakpoints, store, { ...opts, input: null });
    expect([r3.status, r3.next, r3.values.messages]).toEqual([
      "paused",
      [],
      ["hi", "node_a", "node_b", "node_c"],
    ]);
    const r4 = await runGraph(breakpoints, store, { ...opts, input: null });
    expect([r4.status, r4.values.messages]).toEqual(["success", ["hi", "node_a", "node_b", "node_c"]]);
  });

  it("joke: time travel — history, update states[1] to chickens, replay on a new branch, old branch intact", async () => {
    const store = new MemoryStore();
    const r = await runGraph(joke, store, { threadId: "t", input: {} });
    expect(r.values).toEqual({ topic: "socks", joke: jokeAbout("socks") });
    const states = await getHistory(joke, store, { threadId: "t" });
    expect(states.map((s) => s.next)).toEqual([[], ["write_joke"], ["generate_topic"], ["__start__"]]);
    const selected = states[1];
    expect(selected?.values).toEqual({ topic: "socks" });
    const ref = await updateState(joke, store, {
      threadId: "t",
      values: { topic: "chickens" },
      checkpointId: selected?.checkpoint?.checkpointId as string,
    });
    const forked = await getState(joke, store, { threadId: "t" });
    expect(forked.next).toEqual(["write_joke"]);
    expect(forked.parentCheckpoint?.checkpointId).toBe(selected?.checkpoint?.checkpointId);
    const r2 = await runGraph(joke, store, { threadId: "t", input: null, checkpointId: ref.checkpointId });
    expect(r2.values).toEqual({ topic: "chickens", joke: jokeAbout("chickens") });
    expect(r2.values.joke).toContain("chickens");
    const after = await getHistory(joke, store, { threadId: "t" });
    expect(after.length).toBe(states.length + 2);
    const oldFinal = await getState(joke, store, {
      threadId: "t",
      checkpointId: states[0]?.checkpoint?.checkpointId as string,
    });
    expect(oldFinal.values).toEqual({ topic: "socks", joke: jokeAbout("socks") });
  });
});
