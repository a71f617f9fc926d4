import { xxhash128 } from "hash-wasm";
import { describe, expect, it } from "vitest";
import {
  append,
  Command,
  getState,
  InterruptOutsideNodeError,
  interrupt,
  lastValue,
  MultipleInterruptsError,
  NULL_TASK_ID,
  runGraph,
  START,
  StateGraph,
  updateState,
} from "../../src/engine/index.js";
import { allCheckpoints, type Calls, head, MemoryStore } from "./helpers.js";

/** START → ask → END; `ask` counts runs, asks twice when `twice`, and logs the answers. */
function askGraph(calls: Calls, twice = false) {
  return new StateGraph({ log: append<string>(), x: lastValue<number>() })
    .addNode("ask", (_s, ctx) => {
      calls.ask = (calls.ask ?? 0) + 1;
      const first = ctx.interrupt<string>({ q: 1 });
      const second = twice ? ctx.interrupt<string>({ q: 2 }) : undefined;
      return { log: [first, ...(second !== undefined ? [second] : [])] };
    })
    .addEdge(START, "ask")
    .compile();
}

/** START → x, y, z in parallel; x and y interrupt, z completes. */
function parallelGraph(calls: Calls) {
  const asker = (name: string) => (_s: unknown, ctx: { interrupt: <R>(v: unknown) => R }) => {
    calls[name] = (calls[name] ?? 0) + 1;
    return { log: [`${name}:${ctx.interrupt<string>(`${name}?`)}`] };
  };
  return new StateGraph({ log: append<string>() })
    .addNode("x", asker("x") as never)
    .addNode("y", asker("y") as never)
    .addNode("z", () => {
      calls.z = (calls.z ?? 0) + 1;
      return { log: ["z"] };
    })
    .addEdge(START, "x")
    .addEdge(START, "y")
    .addEdge(START, "z")
    .compile();
}

/** START → a → b; each logs its name. */
function chainLike() {
  return new StateGraph({ log: append<string>() })
    .addNode("a", () => ({ log: ["a"] }))
    .addNode("b", () => ({ log: ["b"] }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .compile();
}

describe("docs/semantics.md §3 dynamic interrupts", () => {
  it("docs/semantics.md §3.2 the task stops, no checkpoint is written, an __interrupt__ write goes on the step's input checkpoint", async () => {
    const store = new MemoryStore();
    const r = await runGraph(askGraph({}), store, { threadId: "t", input: {} });
    expect(r.status).toBe("paused");
    expect(r.interrupts.map((i) => i.value)).toEqual([{ q: 1 }]);
    const h = await head(store, "t");
    expect(h.metadata.step).toBe(0);
    const w = h.pendingWrites.find((x) => x.channel === "__interrupt__");
    expect(w?.idx).toBe(-3);
    expect(w?.value).toEqual([{ id: r.interrupts[0]?.id, value: { q: 1 } }]);
  });

  it("docs/semantics.md §3.2 parallel siblings still run to the end and their writes are saved", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const r = await runGraph(parallelGraph(calls), store, { threadId: "t", input: {} });
    expect(r.interrupts.map((i) => i.value).sort()).toEqual(["x?", "y?"]);
    expect(calls).toEqual({ x: 1, y: 1, z: 1 });
    expect(r.values.log).toEqual(["z"]);
    expect(
      (await head(store, "t")).pendingWrites.some(
        (w) => w.channel === "log" && JSON.stringify(w.value) === '["z"]',
      ),
    ).toBe(true);
  });

  it("docs/semantics.md §3.3 the interrupt id is the 32-hex xxh3-128 of '<node>:<task_id>', the same for every call of a task", async () => {
    const store = new MemoryStore();
    const r = await runGraph(askGraph({}, true), store, { threadId: "t", input: {} });
    const task = (await getState(askGraph({}), store, { threadId: "t" })).tasks[0];
    const id = r.interrupts[0]?.id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).toBe(await xxhash128(`ask:${task?.id}`));
    const r2 = await runGraph(askGraph({}, true), store, {
      threadId: "t",
      command: new Command({ resume: "one" }),
    });
    expect(r2.interrupts[0]?.value).toEqual({ q: 2 });
    expect(r2.interrupts[0]?.id).toBe(id);
  });

  it("docs/semantics.md §3.3 the id changes when the task id changes (after update_state)", async () => {
    const store = new MemoryStore();
    const graph = askGraph({});
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    await updateState(graph, store, { threadId: "t", values: { x: 1 }, asNode: "__start__" });
    const r2 = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r2.status).toBe("paused");
    expect(r2.interrupts[0]?.id).not.toBe(r1.interrupts[0]?.id);
  });

  it("docs/semantics.md §3.4 interrupts carry the legacy fields ns, when and resumable", async () => {
    const r = await runGraph(askGraph({}), new MemoryStore(), { threadId: "t", input: {} });
    const i = r.interrupts[0];
    expect(i?.when).toBe("during");
    expect(i?.resumable).toBe(true);
    expect(i?.ns[0]).toMatch(/^ask:[0-9a-f-]{36}$/);
  });

  it("docs/semantics.md §3.5 the snapshot while interrupted: next has the node, tasks[].interrupts and the flat list", async () => {
    const store = new MemoryStore();
    const r = await runGraph(askGraph({}), store, { threadId: "t", input: {} });
    const s = await getState(askGraph({}), store, { threadId: "t" });
    expect(s.next).toEqual(["ask"]);
    expect(s.tasks[0]?.interrupts).toEqual(r.interrupts);
    expect(s.interrupts).toEqual(r.interrupts);
  });

  it("docs/semantics.md §3.6 resume re-runs the node from its first line and interrupt() returns the value; writes are recorded", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    await runGraph(askGraph(calls), store, { threadId: "t", input: {} });
    const base = await head(store, "t");
    const r = await runGraph(askGraph(calls), store, {
      threadId: "t",
      command: new Command({ resume: "answer" }),
    });
    expect(r.status).toBe("success");
    expect(r.values.log).toEqual(["answer"]);
    expect(calls.ask).toBe(2);
    const writes =
      (await store.getTuple({ threadId: "t", checkpointId: base.checkpoint.id }))?.pendingWrites ?? [];
    expect(writes.find((w) => w.taskId === NULL_TASK_ID && w.channel === "__resume__")?.value).toBe("answer");
    expect(writes.find((w) => w.taskId !== NULL_TASK_ID && w.channel === "__resume__")?.value).toEqual([
      "answer",
    ]);
  });

  it("docs/semantics.md §3.6 a resume value of null means no resume value: the node interrupts again", async () => {
    const store = new MemoryStore();
    await runGraph(askGraph({}), store, { threadId: "t", input: {} });
    const r = await runGraph(askGraph({}), store, { threadId: "t", command: new Command({ resume: null }) });
    expect(r.status).toBe("paused");
    const falsy = await runGraph(askGraph({}), store, {
      threadId: "t",
      command: new Command({ resume: "" }),
    });
    expect(falsy.values.log).toEqual([""]);
  });

  it("docs/semantics.md §3.7 several interrupt() calls are matched by order; no checkpoint is written while the node waits", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = askGraph(calls, true);
    await runGraph(graph, store, { threadId: "t", input: {} });
    const count = (await allCheckpoints(store, "t")).length;
    const r1 = await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "v0" }) });
    expect(r1.status).toBe("paused");
    expect(r1.interrupts[0]?.value).toEqual({ q: 2 });
    expect((await allCheckpoints(store, "t")).length).toBe(count);
    const r2 = await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "v1" }) });
    expect(r2.status).toBe("success");
    expect(r2.values.log).toEqual(["v0", "v1"]);
    expect(calls.ask).toBe(3);
  });

  it("docs/semantics.md §3.10 (fixed on purpose) after a partial resume the waiting node stays in next", async () => {
    const store = new MemoryStore();
    const graph = askGraph({}, true);
    await runGraph(graph, store, { threadId: "t", input: {} });
    await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "v0" }) });
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.next).toEqual(["ask"]);
    expect(s.tasks[0]?.interrupts.map((i) => i.value)).toEqual([{ q: 2 }]);
  });

  it("docs/semantics.md §3.8 parallel interrupts resume with a map id → value; others interrupt again; finished siblings do not re-run", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = parallelGraph(calls);
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    const byValue = Object.fromEntries(r1.interrupts.map((i) => [i.value as string, i.id]));
    const steps = (await allCheckpoints(store, "t")).length;
    const r2 = await runGraph(graph, store, {
      threadId: "t",
      command: new Command({ resume: { [byValue["x?"] as string]: "X" } }),
    });
    expect(r2.status).toBe("paused");
    expect(r2.interrupts.map((i) => i.value)).toEqual(["y?"]);
    expect(r2.interrupts[0]?.id).toBe(byValue["y?"]);
    expect((await allCheckpoints(store, "t")).length).toBe(steps);
    expect(calls.z).toBe(1);
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.next).toEqual(["y"]);
    expect(s.values.log).toEqual(["x:X", "z"]);
    expect(s.interrupts.map((i) => i.id)).toEqual([byValue["y?"]]);
    const stored = await getState(graph, store, {
      threadId: "t",
      checkpointId: s.checkpoint?.checkpointId as string,
    });
    expect(stored.interrupts.map((i) => i.value).sort()).toEqual(["x?", "y?"]);
    const r3 = await runGraph(graph, store, {
      threadId: "t",
      command: new Command({ resume: { [byValue["y?"] as string]: "Y" } }),
    });
    expect(r3.status).toBe("success");
    expect(r3.values.log).toEqual(["x:X", "y:Y", "z"]);
    expect(calls).toEqual({ x: 2, y: 3, z: 1 });
  });

  it("docs/semantics.md §3.8 Send workers (PUSH tasks) that interrupt keep their ids across resumes and take their own map values", async () => {
    const { Send } = await import("../../src/engine/index.js");
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = new StateGraph({ log: append<string>() })
      .addNode("w", (s, ctx) => {
        const n = (s as unknown as { n: number }).n;
        calls[`w${n}`] = (calls[`w${n}`] ?? 0) + 1;
        return { log: [`${n}:${ctx.interrupt<string>(`q${n}`)}`] };
      })
      .addConditionalEdges(START, () => [1, 2, 3].map((n) => new Send("w", { n })), ["w"])
      .compile();
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    expect(r1.interrupts.map((i) => i.value)).toEqual(["q1", "q2", "q3"]);
    const id = Object.fromEntries(r1.interrupts.map((i) => [i.value as string, i.id]));
    const r2 = await runGraph(graph, store, {
      threadId: "t",
      command: new Command({ resume: { [id.q1 as string]: "a", [id.q3 as string]: "c" } }),
    });
    expect(r2.interrupts.map((i) => [i.value, i.id])).toEqual([["q2", id.q2]]);
    const r3 = await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "b" }) });
    expect(r3.status).toBe("success");
    expect(r3.values.log).toEqual(["1:a", "2:b", "3:c"]);
    expect(calls).toEqual({ w1: 2, w2: 3, w3: 2 });
  });

  it("docs/semantics.md §3.8 a plain resume with several pending interrupts throws MultipleInterruptsError naming the ids", async () => {
    const store = new MemoryStore();
    const r = await runGraph(parallelGraph({}), store, { threadId: "t", input: {} });
    const attempt = runGraph(parallelGraph({}), store, {
      threadId: "t",
      command: new Command({ resume: "both" }),
    });
    await expect(attempt).rejects.toBeInstanceOf(MultipleInterruptsError);
    const err = await attempt.catch((e: MultipleInterruptsError) => e);
    expect([...(err as MultipleInterruptsError).interruptIds].sort()).toEqual(
      r.interrupts.map((i) => i.id).sort(),
    );
    expect((err as Error).message).toMatch(/multiple pending interrupts/);
    expect((await head(store, "t")).pendingWrites.some((w) => w.taskId === NULL_TASK_ID)).toBe(false);
  });

  it("docs/semantics.md §3.9 Command.update is applied through the reducers before tasks run and shows in the step's snapshot", async () => {
    const store = new MemoryStore();
    const seen: unknown[] = [];
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ask", (s, ctx) => {
        seen.push([...(s.log ?? [])]);
        return { log: [ctx.interrupt<string>("?")] };
      })
      .addEdge(START, "ask")
      .compile();
    await runGraph(graph, store, { threadId: "t", input: { log: ["in"] } });
    const base = await head(store, "t");
    const r = await runGraph(graph, store, {
      threadId: "t",
      command: new Command({ update: { log: ["upd"] }, resume: "ans" }),
    });
    expect(seen).toEqual([["in"], ["in", "upd"]]);
    expect(r.values.log).toEqual(["in", "upd", "ans"]);
    const s = await getState(graph, store, { threadId: "t", checkpointId: base.checkpoint.id });
    expect(s.values.log).toEqual(["in", "upd"]);
    expect((await store.list({ threadId: "t", metadata: { source: "input" } })).length).toBe(1);
  });

  it("docs/semantics.md §3.9 Command.goto runs the target together with the still-pending task, which interrupts again", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ask", (_s, ctx) => {
        calls.ask = (calls.ask ?? 0) + 1;
        return { log: [ctx.interrupt<string>("?")] };
      })
      .addNode("side", () => {
        calls.side = (calls.side ?? 0) + 1;
        return { log: ["side"] };
      })
      .addEdge(START, "ask")
      .addConditionalEdges("ask", () => "__end__", ["side", "__end__"])
      .compile();
    await runGraph(graph, store, { threadId: "t", input: {} });
    const r = await runGraph(graph, store, { threadId: "t", command: new Command({ goto: "side" }) });
    expect(r.status).toBe("paused");
    expect(calls).toEqual({ ask: 2, side: 1 });
    const s = await getState(graph, store, { threadId: "t" });
    expect(s.next).toEqual(["ask"]);
    expect(s.values.log).toEqual(["side"]);
  });

  it("docs/semantics.md §3.9 Command.goto with a Send adds a PUSH task next to a pending interrupted PUSH task", async () => {
    const { Send } = await import("../../src/engine/index.js");
    const store = new MemoryStore();
    const graph = new StateGraph({ log: append<string>() })
      .addNode("w", (s, ctx) => ({
        log: [`w:${(s as unknown as { n: number }).n}:${ctx.interrupt<string>("?")}`],
      }))
      .addNode("v", (s) => ({ log: [`v:${(s as unknown as { n: number }).n}`] }))
      .addConditionalEdges(START, () => new Send("w", { n: 1 }), ["w", "v"])
      .compile();
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    expect(r1.status).toBe("paused");
    const r2 = await runGraph(graph, store, {
      threadId: "t",
      command: new Command({ goto: new Send("v", { n: 2 }), resume: "ok" }),
    });
    expect(r2.status).toBe("success");
    expect(r2.values.log).toEqual(["w:1:ok", "v:2"]);
  });

  it("docs/semantics.md §3.9 a Command naming an unknown node or key is rejected before anything is written", async () => {
    const store = new MemoryStore();
    await runGraph(askGraph({}), store, { threadId: "t", input: {} });
    await expect(
      runGraph(askGraph({}), store, { threadId: "t", command: new Command({ goto: "nope" }) }),
    ).rejects.toThrow(/unknown node/);
    await expect(
      runGraph(askGraph({}), store, { threadId: "t", command: new Command({ update: { nope: 1 } }) }),
    ).rejects.toThrow(/unknown state key/);
    expect((await head(store, "t")).pendingWrites.every((w) => w.taskId !== NULL_TASK_ID)).toBe(true);
  });

  it("docs/semantics.md §3.9 a Command with update/goto on a fresh thread writes an empty input checkpoint and runs the target", async () => {
    const store = new MemoryStore();
    const r = await runGraph(chainLike(), store, {
      threadId: "t",
      command: new Command({ update: { log: ["u"] }, goto: "b" }),
    });
    expect(r.status).toBe("success");
    expect(r.values.log).toEqual(["u", "b"]);
    const cps = await allCheckpoints(store, "t");
    expect(cps[0]?.metadata).toMatchObject({ source: "input", step: -1 });
    await expect(
      runGraph(chainLike(), store, { threadId: "bad", command: new Command({ update: { nope: 1 } }) }),
    ).rejects.toThrow(/unknown state key/);
    expect(await store.list({ threadId: "bad" })).toEqual([]);
    const onlyResume = await runGraph(chainLike(), store, {
      threadId: "fresh",
      command: new Command({ resume: 1 }),
    });
    expect(onlyResume).toMatchObject({ status: "success", values: {}, checkpoint: null });
  });

  it("docs/semantics.md §3.3 a node that interrupts in a loop gets a new interrupt id on every iteration", async () => {
    const store = new MemoryStore();
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ask", (_s, ctx) => ({ log: [ctx.interrupt<string>("next?")] }))
      .addEdge(START, "ask")
      .addConditionalEdges("ask", (s) => ((s.log ?? []).length < 3 ? "ask" : "__end__"))
      .compile();
    const ids: string[] = [];
    let r = await runGraph(graph, store, { threadId: "t", input: {} });
    for (let i = 0; i < 5 && r.status === "paused"; i++) {
      ids.push(r.interrupts[0]?.id as string);
      r = await runGraph(graph, store, { threadId: "t", command: new Command({ resume: `a${i}` }) });
    }
    expect(r.status).toBe("success");
    expect(r.values.log).toEqual(["a0", "a1", "a2"]);
    expect(new Set(ids).size).toBe(3);
  });

  it("a node that catches the interrupt signal still interrupts", async () => {
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ask", (_s, ctx) => {
        try {
          ctx.interrupt("?");
        } catch {
          // swallowed on purpose
        }
        return { log: ["not reached in effect"] };
      })
      .addEdge(START, "ask")
      .compile();
    const r = await runGraph(graph, new MemoryStore(), { threadId: "t", input: {} });
    expect(r.status).toBe("paused");
    expect(r.values).toEqual({ log: [] });
  });

  it("the standalone interrupt() works inside a node and throws outside one", async () => {
    const graph = new StateGraph({ text: lastValue<string>() })
      .addNode("ask", () => ({ text: interrupt<string>("edit?") }))
      .addEdge(START, "ask")
      .compile();
    const store = new MemoryStore();
    const r1 = await runGraph(graph, store, { threadId: "t", input: {} });
    expect(r1.interrupts[0]?.value).toBe("edit?");
    const r2 = await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "done" }) });
    expect(r2.values.text).toBe("done");
    expect(() => interrupt("x")).toThrow(InterruptOutsideNodeError);
  });
});
