import { describe, expect, it } from "vitest";
import { append, Command, type JsonValue, runGraph, START, StateGraph } from "../../src/engine/index.js";
import { chain, MemoryStore, recorder } from "./helpers.js";

describe("run events (docs/api.md §7)", () => {
  it("values after each step, updates per node (START hidden), checkpoints for every checkpoint written", async () => {
    const rec = recorder();
    await runGraph(chain(), new MemoryStore(), {
      threadId: "t",
      input: { log: ["in"] },
      onEvent: rec.onEvent,
    });
    expect(rec.of("values")).toEqual([
      { log: ["in"] },
      { log: ["in", "a"] },
      { log: ["in", "a", "b"] },
      { log: ["in", "a", "b", "c"] },
    ]);
    expect(rec.of("updates")).toEqual([{ a: { log: ["a"] } }, { b: { log: ["b"] } }, { c: { log: ["c"] } }]);
    const cps = rec.of("checkpoints") as Array<Record<string, JsonValue>>;
    expect(cps.map((c) => (c.metadata as { step: number }).step)).toEqual([-1, 0, 1, 2, 3]);
    expect(cps.map((c) => c.next)).toEqual([["__start__"], ["a"], ["b"], ["c"], []]);
    const first = cps[1] as Record<string, JsonValue>;
    expect(Object.keys(first).sort()).toEqual([
      "checkpoint",
      "config",
      "metadata",
      "next",
      "parent_checkpoint",
      "parent_config",
      "tasks",
      "values",
    ]);
    expect(first.checkpoint).toMatchObject({ thread_id: "t", checkpoint_ns: "", checkpoint_map: null });
    expect(first.config).toEqual({
      configurable: {
        thread_id: "t",
        checkpoint_ns: "",
        checkpoint_id: (first.checkpoint as { checkpoint_id: string }).checkpoint_id,
      },
    });
    expect((first.parent_checkpoint as { checkpoint_id: string }).checkpoint_id).toBe(
      ((cps[0] as Record<string, JsonValue>).checkpoint as { checkpoint_id: string }).checkpoint_id,
    );
    expect(first.tasks).toEqual([
      {
        id: expect.any(String),
        name: "a",
        path: ["__pregel_pull", "a"],
        error: null,
        interrupts: [],
        checkpoint: null,
        result: null,
      },
    ]);
  });

  it("tasks and debug events carry task start/result payloads; debug wraps checkpoints too", async () => {
    const rec = recorder();
    await runGraph(chain(), new MemoryStore(), {
      threadId: "t",
      input: {},
      onEvent: rec.onEvent,
      streamMode: ["tasks", "debug"],
    });
    const tasks = rec.of("tasks") as Array<Record<string, JsonValue>>;
    const a = tasks.filter((t) => t.name === "a");
    expect(a[0]).toEqual({
      id: expect.any(String),
      name: "a",
      input: { log: [] },
      triggers: ["branch:to:a"],
      interrupts: [],
    });
    expect(a[1]).toEqual({ id: a[0]?.id, name: "a", result: { log: ["a"] }, error: null, interrupts: [] });
    const debug = rec.of("debug") as Array<Record<string, JsonValue>>;
    expect(new Set(debug.map((d) => d.type))).toEqual(new Set(["checkpoint", "task", "task_result"]));
    expect(
      debug.every(
        (d) => typeof d.timestamp === "string" && typeof d.step === "number" && d.payload !== undefined,
      ),
    ).toBe(true);
    expect(rec.of("values")).toEqual([]);
  });

  it("custom events come from ctx.writer; interrupts emit __interrupt__ updates and values", async () => {
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ask", (_s, ctx) => {
        ctx.writer({ progress: 1 });
        return { log: [ctx.interrupt<string>("?")] };
      })
      .addEdge(START, "ask")
      .compile();
    const store = new MemoryStore();
    const rec = recorder();
    const r = await runGraph(graph, store, { threadId: "t", input: {}, onEvent: rec.onEvent });
    expect(rec.of("custom")).toEqual([{ progress: 1 }]);
    const id = r.interrupts[0]?.id;
    const shaped = [{ id, value: "?", ns: r.interrupts[0]?.ns, when: "during", resumable: true }];
    expect(rec.of("updates")).toEqual([{ __interrupt__: shaped }]);
    expect(rec.of("values").at(-1)).toEqual({ log: [], __interrupt__: shaped });
    const rec2 = recorder();
    await runGraph(graph, store, {
      threadId: "t",
      command: new Command({ resume: "ok" }),
      onEvent: rec2.onEvent,
      streamMode: ["values", "updates"],
    });
    expect(rec2.of("values")).toEqual([{ log: [] }, { log: ["ok"] }]);
    expect(rec2.of("updates")).toEqual([{ ask: { log: ["ok"] } }]);
  });

  it("a static breakpoint emits an empty __interrupt__ update", async () => {
    const rec = recorder();
    await runGraph(chain({ interruptBefore: ["b"] }), new MemoryStore(), {
      threadId: "t",
      input: {},
      onEvent: rec.onEvent,
      streamMode: ["updates"],
    });
    expect(rec.of("updates")).toEqual([{ a: { log: ["a"] } }, { __interrupt__: [] }]);
  });

  it("an aborted signal stops the run before the next step with GraphAbortedError", async () => {
    const controller = new AbortController();
    const graph = new StateGraph({ log: append<string>() })
      .addNode("a", () => {
        controller.abort();
        return { log: ["a"] };
      })
      .addNode("b", () => ({ log: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile();
    const store = new MemoryStore();
    const r = await runGraph(graph, store, { threadId: "t", input: {}, signal: controller.signal });
    expect(r.status).toBe("error");
    expect(r.error?.name).toBe("GraphAbortedError");
    const h = await store.getTuple({ threadId: "t" });
    expect(h?.metadata.step).toBe(0);
    expect(h?.pendingWrites.map((w) => w.channel)).toContain("log");
    const resumed = await runGraph(graph, store, { threadId: "t", input: null });
    expect(resumed.values.log).toEqual(["a", "b"]);
  });
});
