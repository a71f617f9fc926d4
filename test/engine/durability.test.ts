import { describe, expect, it } from "vitest";
import {
  append,
  type CheckpointStore,
  Command,
  runGraph,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import { allCheckpoints, chain, MemoryStore, sleep } from "./helpers.js";

/** A MemoryStore whose `put` takes `delayMs` and logs start/end; `failAtStep` makes that step's put fail. */
function slowStore(
  log: string[],
  delayMs: number,
  failAtStep?: number,
): { store: CheckpointStore; inner: MemoryStore } {
  const inner = new MemoryStore();
  const store: CheckpointStore = {
    getTuple: (q) => inner.getTuple(q),
    list: (q) => inner.list(q),
    deleteThread: (t) => inner.deleteThread(t),
    putWrites: (ref, writes) => inner.putWrites(ref, writes),
    put: async (input) => {
      log.push(`put:${input.metadata.step}`);
      await sleep(delayMs);
      if (input.metadata.step === failAtStep) throw new Error(`put ${failAtStep} failed`);
      const ref = await inner.put(input);
      log.push(`saved:${input.metadata.step}`);
      return ref;
    },
  };
  return { store, inner };
}

function loggingGraph(log: string[]) {
  const node = (name: string) => () => {
    log.push(`run:${name}`);
    return { log: [name] };
  };
  return new StateGraph({ log: append<string>() })
    .addNode("a", node("a"))
    .addNode("b", node("b"))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .compile();
}

describe("§1.16 durability", () => {
  it('"sync" (default) saves each checkpoint before the next step runs', async () => {
    const log: string[] = [];
    const { store } = slowStore(log, 5);
    await runGraph(loggingGraph(log), store, { threadId: "t", input: {} });
    expect(log).toEqual([
      "put:-1",
      "saved:-1",
      "put:0",
      "saved:0",
      "run:a",
      "put:1",
      "saved:1",
      "run:b",
      "put:2",
      "saved:2",
    ]);
  });

  it('"async" runs the next step while the previous checkpoint is saved, in order, and waits before returning', async () => {
    const log: string[] = [];
    const { store, inner } = slowStore(log, 20);
    const r = await runGraph(loggingGraph(log), store, { threadId: "t", input: {}, durability: "async" });
    expect(log.indexOf("run:a")).toBeLessThan(log.indexOf("saved:0"));
    expect(log.filter((e) => e.startsWith("saved"))).toEqual(["saved:-1", "saved:0", "saved:1", "saved:2"]);
    expect(log.at(-1)).toBe("saved:2");
    expect(r.values.log).toEqual(["a", "b"]);
    expect((await allCheckpoints(inner, "t")).map((c) => c.metadata.step)).toEqual([-1, 0, 1, 2]);
  });

  it('"async" writes the same checkpoints, parents and writes as "sync" (breakpoints and interrupts included)', async () => {
    const shape = async (durability: "sync" | "async") => {
      const store = new MemoryStore();
      const graph = new StateGraph({ log: append<string>() })
        .addNode("a", () => ({ log: ["a"] }))
        .addNode("ask", (_s, ctx) => ({ log: [ctx.interrupt<string>("?")] }))
        .addEdge(START, "a")
        .addEdge("a", "ask")
        .compile({ interruptAfter: ["a"] });
      await runGraph(graph, store, { threadId: "t", input: {}, durability });
      await runGraph(graph, store, { threadId: "t", input: null, durability });
      await runGraph(graph, store, { threadId: "t", command: new Command({ resume: "ok" }), durability });
      const cps = await allCheckpoints(store, "t");
      const index = new Map(cps.map((c, i) => [c.checkpoint.id, i]));
      return cps.map((c) => ({
        source: c.metadata.source,
        step: c.metadata.step,
        parent: c.parentCheckpointId ? index.get(c.parentCheckpointId) : null,
        values: c.checkpoint.channelValues,
        // Interrupt ids hash task ids, which hash checkpoint ids: they differ between the two threads.
        writes: JSON.stringify(c.pendingWrites.map((w) => [w.channel, w.value])).replace(
          /[0-9a-f]{32}/g,
          "ID",
        ),
      }));
    };
    const sync = await shape("sync");
    expect(sync.map((c) => `${c.source}${c.step}`)).toEqual(["input-1", "loop0", "loop1", "loop2"]);
    expect(await shape("async")).toEqual(sync);
  });

  it('"async": a failed background save fails the run and no later checkpoint is written', async () => {
    const log: string[] = [];
    const { store, inner } = slowStore(log, 5, 0);
    const graph = chain();
    await expect(runGraph(graph, store, { threadId: "t", input: {}, durability: "async" })).rejects.toThrow(
      "put 0 failed",
    );
    expect((await allCheckpoints(inner, "t")).map((c) => c.metadata.step)).toEqual([-1]);
  });
});
