import { describe, expect, it } from "vitest";
import {
  append,
  END,
  GraphRecursionError,
  getState,
  InvalidUpdateError,
  lastValue,
  NULL_TASK_ID,
  runGraph,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import { allCheckpoints, type Calls, chain, head, MemoryStore, sleep } from "./helpers.js";

describe("docs/semantics.md §1 super-steps, checkpoints, metadata, pending writes", () => {
  it("docs/semantics.md §1.9 a fresh run of START→a→b→c→END writes steps −1, 0, 1, 2, 3", async () => {
    const store = new MemoryStore();
    const r = await runGraph(chain(), store, { threadId: "t", input: { log: ["in"] } });
    expect(r.status).toBe("success");
    expect(r.values.log).toEqual(["in", "a", "b", "c"]);
    const cps = await allCheckpoints(store, "t");
    expect(cps.map((c) => [c.metadata.source, c.metadata.step])).toEqual([
      ["input", -1],
      ["loop", 0],
      ["loop", 1],
      ["loop", 2],
      ["loop", 3],
    ]);
    const [input, s0] = cps;
    expect(input?.parentCheckpointId).toBeNull();
    expect(input?.checkpoint.channelValues.__start__).toEqual({ log: ["in"] });
    expect(input?.checkpoint.channelValues.log).toBeUndefined();
    const states = await Promise.all(
      cps.map((c) => getState(chain(), store, { threadId: "t", checkpointId: c.checkpoint.id })),
    );
    expect(states.map((s) => s.next)).toEqual([["__start__"], ["a"], ["b"], ["c"], []]);
    expect(states[0]?.values).toEqual({ log: [] });
    expect(s0?.checkpoint.channelValues.log).toEqual(["in"]);
  });

  it("docs/semantics.md §1.9 the input must be an object: anything else is refused before a checkpoint is written; unknown keys are ignored", async () => {
    const store = new MemoryStore();
    await expect(runGraph(chain(), store, { threadId: "t", input: "text" })).rejects.toBeInstanceOf(
      InvalidUpdateError,
    );
    await expect(runGraph(chain(), store, { threadId: "t", input: [1] })).rejects.toBeInstanceOf(
      InvalidUpdateError,
    );
    expect(await store.list({ threadId: "t" })).toEqual([]);
    const r = await runGraph(chain(), store, { threadId: "t", input: { log: ["in"], extra: 1 } });
    expect(r.values).toEqual({ log: ["in", "a", "b", "c"] });
  });

  it("docs/semantics.md §1.6 one loop checkpoint per step; docs/semantics.md §1.12 each parent is the previous checkpoint", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: {} });
    const cps = await allCheckpoints(store, "t");
    for (let i = 1; i < cps.length; i++) expect(cps[i]?.parentCheckpointId).toBe(cps[i - 1]?.checkpoint.id);
  });

  it("docs/semantics.md §1.7 a checkpoint holds v=4, id, ISO ts, channel_values, channel_versions, versions_seen; docs/semantics.md §1.8 versions are increasing ints", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: { x: 1, log: ["in"] } });
    const cps = (await allCheckpoints(store, "t")).slice(1);
    const last = cps[cps.length - 1]?.checkpoint;
    expect(last?.v).toBe(4);
    expect(new Date(last?.ts ?? "").toISOString()).toBe(last?.ts);
    expect(Object.keys(last?.versionsSeen ?? {}).sort()).toEqual(["__start__", "a", "b", "c"]);
    const logVersions = cps.map((c) => c.checkpoint.channelVersions.log ?? 0);
    for (let i = 1; i < logVersions.length; i++)
      expect(logVersions[i]).toBeGreaterThan(logVersions[i - 1] as number);
    expect(Number.isInteger(logVersions[1])).toBe(true);
  });

  it("docs/semantics.md §1.2 internal channels are persisted: __start__, branch:to:<node> = null, join:<a>+<b>:<node>, __pregel_tasks", async () => {
    const { Send } = await import("../../src/engine/index.js");
    const graph = new StateGraph({ log: append<string>() })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b", () => ({ log: ["b"] }))
      .addNode("slow", () => ({ log: ["slow"] }))
      .addNode("j", () => ({ log: ["j"] }))
      .addNode("w", () => ({ log: ["w"] }))
      .addEdge(START, "a")
      .addEdge(START, "slow")
      .addEdge("slow", "b")
      .addEdge(["a", "b"], "j")
      .addConditionalEdges("j", () => [new Send("w", { log: [] })])
      .compile();
    const store = new MemoryStore();
    await runGraph(graph, store, { threadId: "t", input: {} });
    const values = (await allCheckpoints(store, "t")).map((c) => c.checkpoint.channelValues);
    expect(values[0]?.__start__).toEqual({});
    expect(values[1]).toMatchObject({ "branch:to:a": null, "branch:to:slow": null });
    expect(values[2]?.["join:a+b:j"]).toEqual(["a"]);
    expect(values[3]?.["join:a+b:j"]).toEqual(["a", "b"]);
    expect(values[4]?.__pregel_tasks).toEqual([{ node: "w", args: { log: [] } }]);
    expect(values[5]?.__pregel_tasks).toBeUndefined();
  });

  it("docs/semantics.md §1.4 all tasks of a step read the state at the start of the step, whatever finishes first", async () => {
    const seen: Record<string, unknown> = {};
    const graph = new StateGraph({ n: lastValue<number>(), log: append<string>() })
      .addNode("slow", async (s) => {
        await sleep(20);
        seen.slow = s.log;
        return { log: ["slow"] };
      })
      .addNode("fast", (s) => {
        seen.fast = s.log;
        return { log: ["fast"] };
      })
      .addEdge(START, "slow")
      .addEdge(START, "fast")
      .compile();
    const r = await runGraph(graph, new MemoryStore(), { threadId: "t", input: { log: ["in"] } });
    expect(seen).toEqual({ slow: ["in"], fast: ["in"] });
    expect(r.values.log).toEqual(["in", "fast", "slow"]);
  });

  it("docs/semantics.md §1.1 two parallel writes to a last-value key fail the step with InvalidUpdateError and no checkpoint", async () => {
    const graph = new StateGraph({ x: lastValue<number>() })
      .addNode("a", () => ({ x: 1 }))
      .addNode("b", () => ({ x: 2 }))
      .addEdge(START, "a")
      .addEdge(START, "b")
      .compile();
    const store = new MemoryStore();
    const r = await runGraph(graph, store, { threadId: "t", input: {} });
    expect(r.status).toBe("error");
    expect(r.error?.name).toBe("InvalidUpdateError");
    expect((await allCheckpoints(store, "t")).length).toBe(2);
  });

  it("docs/semantics.md §1.6 the recursion limit stops a looping graph with GraphRecursionError (default 25, configurable)", async () => {
    const loop = new StateGraph({ n: reducerCount() })
      .addNode("inc", () => ({ n: 1 }))
      .addEdge(START, "inc")
      .addConditionalEdges("inc", () => "inc")
      .compile();
    const store = new MemoryStore();
    const r = await runGraph(loop, store, { threadId: "t", input: {} });
    expect(r.status).toBe("error");
    expect(r.error).toBeInstanceOf(GraphRecursionError);
    expect((r.error as GraphRecursionError).limit).toBe(25);
    expect((await head(store, "t")).metadata.step).toBe(24);
    const r2 = await runGraph(loop, store, { threadId: "t2", input: {}, recursionLimit: 3 });
    expect((r2.error as GraphRecursionError).limit).toBe(3);
    expect(r2.values.n).toBe(2);
    const r3 = await runGraph(loop, store, { threadId: "t3", input: {}, config: { recursionLimit: 4 } });
    expect((r3.error as GraphRecursionError).limit).toBe(4);
  });

  it("docs/semantics.md §1.10 new input on an existing thread: input checkpoint at head.step+1, parent head, state kept, restart at START", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: { log: ["in1"] } });
    const before = await head(store, "t");
    const r = await runGraph(chain(), store, { threadId: "t", input: { log: ["in2"] } });
    expect(r.values.log).toEqual(["in1", "a", "b", "c", "in2", "a", "b", "c"]);
    const input = (await store.list({ threadId: "t", metadata: { source: "input" } }))[0];
    expect(input?.metadata.step).toBe(before.metadata.step + 1);
    expect(input?.parentCheckpointId).toBe(before.checkpoint.id);
    expect(input?.checkpoint.channelValues.log).toEqual(["in1", "a", "b", "c"]);
  });

  it("docs/semantics.md §1.10 tasks pending at the head are discarded by a new input (their triggers are marked seen)", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    await runGraph(chain({}, calls), store, {
      threadId: "t",
      input: { log: ["in1"] },
      interruptBefore: ["b"],
    });
    expect((await getState(chain(), store, { threadId: "t" })).next).toEqual(["b"]);
    const r = await runGraph(chain({}, calls), store, {
      threadId: "t",
      input: { log: ["in2"] },
      interruptBefore: ["c"],
    });
    expect(r.values.log).toEqual(["in1", "a", "in2", "a", "b"]);
    expect(r.next).toEqual(["c"]);
    const input = (await store.list({ threadId: "t", metadata: { source: "input" }, limit: 1 }))[0];
    const snap = await getState(chain(), store, {
      threadId: "t",
      checkpointId: input?.checkpoint.id as string,
    });
    expect(snap.next).toEqual(["__start__"]);
  });

  it("docs/semantics.md §1.10 a complete join pending at the head is discarded by a new input (its target runs only after the new joins)", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    const graph = new StateGraph({ log: append<string>() })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b", () => ({ log: ["b"] }))
      .addNode("j", () => {
        calls.j = (calls.j ?? 0) + 1;
        return { log: ["j"] };
      })
      .addEdge(START, "a")
      .addEdge(START, "b")
      .addEdge(["a", "b"], "j")
      .compile();
    await runGraph(graph, store, { threadId: "t", input: {}, interruptBefore: ["j"] });
    expect((await getState(graph, store, { threadId: "t" })).next).toEqual(["j"]);
    const r = await runGraph(graph, store, { threadId: "t", input: { log: ["in2"] } });
    expect(r.values.log).toEqual(["a", "b", "in2", "a", "b", "j"]);
    expect(calls.j).toBe(1);
  });

  it("docs/semantics.md §1.11 metadata has source, step, parents {} plus primitive run metadata, without excluded keys", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, {
      threadId: "t",
      input: {},
      metadata: {
        run_id: "r1",
        graph_id: "g",
        assistant_id: "as",
        nested: { no: 1 },
        __secret: "x",
        step: 99,
      },
      config: {
        configurable: { user_id: "u1", checkpoint_ns: "x", langgraph_step: 1, thread_id: "t", __pregel_x: 1 },
        metadata: { attempt: 1, thread_id: "t" },
      },
    });
    for (const c of await allCheckpoints(store, "t")) {
      expect(c.metadata).toEqual({
        source: c.metadata.source,
        step: c.metadata.step,
        parents: {},
        run_id: "r1",
        graph_id: "g",
        assistant_id: "as",
        user_id: "u1",
        attempt: 1,
        thread_id: "t",
      });
      expect(c.metadata.step).not.toBe(99);
    }
  });

  it("docs/semantics.md §1.13 pending writes are saved against the step's input checkpoint; the new checkpoint starts without writes", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: { log: ["in"] } });
    const cps = await allCheckpoints(store, "t");
    const s0 = cps[1];
    expect(s0?.pendingWrites.map((w) => [w.channel, w.value, w.idx, w.taskPath])).toEqual([
      ["log", ["a"], 0, "__pregel_pull~a"],
      ["branch:to:b", null, 1, "__pregel_pull~a"],
    ]);
    expect(cps[cps.length - 1]?.pendingWrites).toEqual([]);
    const snap = await getState(chain(), store, { threadId: "t", checkpointId: s0?.checkpoint.id as string });
    expect(snap.tasks[0]?.result).toEqual({ log: ["a"] });
  });

  it("docs/semantics.md §1.13 writes are saved as each task finishes, before slower siblings end", async () => {
    const store = new MemoryStore();
    let writesWhileSlowRuns: number | undefined;
    const graph = new StateGraph({ log: append<string>() })
      .addNode("fast", () => ({ log: ["fast"] }))
      .addNode("slow", async () => {
        await sleep(30);
        writesWhileSlowRuns = (await head(store, "t")).pendingWrites.length;
        return { log: ["slow"] };
      })
      .addEdge(START, "fast")
      .addEdge(START, "slow")
      .compile();
    await runGraph(graph, store, { threadId: "t", input: {} });
    expect(writesWhileSlowRuns).toBe(1);
  });

  it("docs/semantics.md §1.13 a step whose last task succeeds is saved in one store call: its writes travel as parentWrites of put", async () => {
    const inner = new MemoryStore();
    const calls = { put: 0, putWrites: 0, parentWrites: 0 };
    const store = {
      getTuple: inner.getTuple.bind(inner),
      list: inner.list.bind(inner),
      deleteThread: inner.deleteThread.bind(inner),
      put: (input: Parameters<MemoryStore["put"]>[0]) => {
        calls.put += 1;
        calls.parentWrites += input.parentWrites?.length ?? 0;
        return inner.put(input);
      },
      putWrites: (...args: Parameters<MemoryStore["putWrites"]>) => {
        calls.putWrites += 1;
        return inner.putWrites(...args);
      },
    };
    await runGraph(chain(), store, { threadId: "t", input: {} });
    expect(calls).toEqual({ put: 5, putWrites: 0, parentWrites: 6 });
    const s0 = (await allCheckpoints(inner, "t"))[1];
    expect(s0?.pendingWrites.map((w) => w.channel)).toEqual(["log", "branch:to:b"]);
  });

  it("docs/semantics.md §1.13 a store failure while saving a task's writes fails the run (rejects) without an unhandled rejection", async () => {
    const inner = new MemoryStore();
    const failing = {
      getTuple: inner.getTuple.bind(inner),
      list: inner.list.bind(inner),
      deleteThread: inner.deleteThread.bind(inner),
      put: inner.put.bind(inner),
      putWrites: async () => {
        throw new Error("store down");
      },
    };
    const graph = new StateGraph({ log: append<string>() })
      .addNode("fast", () => ({ log: ["fast"] }))
      .addNode("slow", async () => {
        await sleep(30);
        return { log: ["slow"] };
      })
      .addEdge(START, "fast")
      .addEdge(START, "slow")
      .compile();
    await expect(runGraph(graph, failing, { threadId: "t", input: {} })).rejects.toThrow("store down");
    expect((await head(inner, "t")).metadata.step).toBe(0);
  });

  it("docs/semantics.md §1.13 Command writes use the null task id with fixed negative idx for __resume__", async () => {
    const { Command } = await import("../../src/engine/index.js");
    const store = new MemoryStore();
    const graph = new StateGraph({ x: lastValue<number>(), log: append<string>() })
      .addNode("ask", (_s, ctx) => ({ log: [String(ctx.interrupt("q"))] }))
      .addEdge(START, "ask")
      .compile();
    await runGraph(graph, store, { threadId: "t", input: {} });
    await runGraph(graph, store, {
      threadId: "t",
      command: new Command({ resume: "yes", update: { x: 5 } }),
    });
    const base = (await allCheckpoints(store, "t"))[1];
    const nulls = base?.pendingWrites
      .filter((w) => w.taskId === NULL_TASK_ID)
      .map((w) => [w.channel, w.idx, w.value]);
    expect(nulls).toEqual([
      ["__resume__", -4, "yes"],
      ["x", 0, 5],
    ]);
    const special = base?.pendingWrites
      .filter((w) => w.taskId !== NULL_TASK_ID && w.idx < 0)
      .map((w) => [w.channel, w.idx]);
    expect(special).toEqual([
      ["__resume__", -4],
      ["__interrupt__", -3],
    ]);
  });

  it("docs/semantics.md §1.14 partial failure: siblings keep writes, the failed task gets __error__, no checkpoint; resume re-runs only it", async () => {
    const store = new MemoryStore();
    const calls: Calls = {};
    let fail = true;
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ok", () => {
        calls.ok = (calls.ok ?? 0) + 1;
        return { log: ["ok"] };
      })
      .addNode("flaky", () => {
        calls.flaky = (calls.flaky ?? 0) + 1;
        if (fail) throw new TypeError("boom");
        return { log: ["flaky"] };
      })
      .addNode("after", () => ({ log: ["after"] }))
      .addEdge(START, "ok")
      .addEdge(START, "flaky")
      .addEdge(["ok", "flaky"], "after")
      .compile();
    const r = await runGraph(graph, store, { threadId: "t", input: {} });
    expect(r.status).toBe("error");
    expect(r.error?.message).toBe("boom");
    expect(r.next).toEqual(["flaky"]);
    expect(r.values.log).toEqual(["ok"]);
    const h = await head(store, "t");
    expect(h.metadata.step).toBe(0);
    expect(h.pendingWrites.find((w) => w.channel === "__error__")?.value).toEqual({
      error: "TypeError",
      message: "boom",
    });
    const snap = await getState(graph, store, { threadId: "t" });
    expect(snap.next).toEqual(["flaky"]);
    expect(snap.tasks.find((t) => t.name === "flaky")?.error).toBe("TypeError: boom");
    expect(snap.values.log).toEqual(["ok"]);
    fail = false;
    const r2 = await runGraph(graph, store, { threadId: "t", input: null });
    expect(r2.status).toBe("success");
    expect(calls).toEqual({ ok: 1, flaky: 2 });
    expect(r2.values.log).toEqual(["flaky", "ok", "after"]);
  });

  it("docs/semantics.md §1.15 re-executing the same checkpoint uses the same task ids (pending writes match)", async () => {
    const store = new MemoryStore();
    let fail = true;
    const graph = new StateGraph({ log: append<string>() })
      .addNode("a", () => {
        if (fail) throw new Error("x");
        return { log: ["a"] };
      })
      .addEdge(START, "a")
      .compile();
    await runGraph(graph, store, { threadId: "t", input: {} });
    const failedId = (await head(store, "t")).pendingWrites[0]?.taskId;
    const before = (await getState(graph, store, { threadId: "t" })).tasks[0]?.id;
    expect(before).toBe(failedId);
    fail = false;
    await runGraph(graph, store, { threadId: "t", input: null });
    const s0 = (await allCheckpoints(store, "t"))[1];
    expect(s0?.pendingWrites.filter((w) => w.channel === "log").map((w) => w.taskId)).toEqual([failedId]);
  });
});

function reducerCount() {
  return { reducer: (a: number, b: number) => a + b, default: () => 0 };
}

void END;
