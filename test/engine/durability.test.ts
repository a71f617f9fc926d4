import { describe, expect, it } from "vitest";
import {
  append,
  type CheckpointStore,
  type CheckpointTuple,
  Command,
  getState,
  lastValue,
  runGraph,
  START,
  StateGraph,
  type StoreWrite,
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

/** `put:<step>` / `writes:<channels>` of a store write. */
function label(w: StoreWrite): string {
  return w.kind === "put"
    ? `put:${w.input.metadata.step}`
    : `writes:${w.writes.map((x) => x.channel).join("+")}`;
}

/**
 * A MemoryStore that logs every store call: `one:<label>` for put/putWrites, `batch:<label>,<label>…` for
 * writeBatch, and `stored:<n>` when call `n` finished; `failOn` (a label) fails the call containing that write
 * (writing nothing of it).
 */
function batchLoggingStore(log: string[], failOn?: string): { store: CheckpointStore; inner: MemoryStore } {
  const inner = new MemoryStore();
  let calls = 0;
  const call = async (writes: readonly StoreWrite[], entry: string, run: () => Promise<unknown>) => {
    const n = ++calls;
    log.push(entry);
    await Promise.resolve();
    if (failOn && writes.some((w) => label(w) === failOn)) throw new Error(`batch with ${failOn} failed`);
    await run();
    log.push(`stored:${n}`);
  };
  const store: CheckpointStore = {
    getTuple: (q) => inner.getTuple(q),
    list: (q) => inner.list(q),
    deleteThread: (t) => inner.deleteThread(t),
    put: async (input) => {
      const w: StoreWrite = { kind: "put", input };
      await call([w], `one:${label(w)}`, () => inner.put(input));
      return {
        threadId: input.threadId,
        checkpointNs: input.checkpointNs,
        checkpointId: input.checkpoint.id,
      };
    },
    putWrites: async (ref, writes) => {
      const w: StoreWrite = { kind: "putWrites", ref, writes };
      await call([w], `one:${label(w)}`, () => inner.putWrites(ref, writes));
    },
    writeBatch: (writes) =>
      call(writes, `batch:${writes.map(label).join(",")}`, () => inner.writeBatch(writes)),
  };
  return { store, inner };
}

/** A thread's history in `checkpointNs` without ids and timestamps (parents as positions). */
async function historyShape(store: CheckpointStore, threadId: string, checkpointNs = "") {
  const cps = (await store.list({ threadId, checkpointNs })).reverse();
  const index = new Map(cps.map((c, i) => [c.checkpoint.id, i]));
  return cps.map((c: CheckpointTuple) => ({
    source: c.metadata.source,
    step: c.metadata.step,
    parent: c.parentCheckpointId ? index.get(c.parentCheckpointId) : null,
    values: c.checkpoint.channelValues,
    versions: c.checkpoint.channelVersions,
    seen: c.checkpoint.versionsSeen,
    writes: c.pendingWrites.map((w) => [w.taskPath, w.channel, w.value]),
  }));
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

describe("docs/semantics.md §1.16 durability", () => {
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

  it('"async": a fast 3-node run reaches the store in ONE writeBatch, with the same history as "sync"', async () => {
    const log: string[] = [];
    const { store, inner } = batchLoggingStore(log);
    const r = await runGraph(chain(), store, { threadId: "t", input: {}, durability: "async" });
    expect(r.values.log).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["batch:put:-1,put:0,put:1,put:2,put:3", "stored:1"]);
    const sync = new MemoryStore();
    await runGraph(chain(), sync, { threadId: "t", input: {} });
    expect(await historyShape(inner, "t")).toEqual(await historyShape(sync, "t"));
  });

  it('"async": a subgraph writes through its parent run\'s queue: one batch per run, same histories as "sync"', async () => {
    const sub = new StateGraph({ topic: lastValue<string>(), steps: append<string>() })
      .addNode("prep", () => ({ steps: ["prep"] }))
      .addNode("ask", (s, ctx) => ({ steps: [`${ctx.interrupt<string>({ topic: s.topic ?? null })}`] }))
      .addEdge(START, "prep")
      .addEdge("prep", "ask")
      .compile();
    const graph = new StateGraph({ topic: lastValue<string>(), steps: append<string>() })
      .addNode("pick", () => ({ topic: "cats", steps: ["pick"] }))
      .addNode("sub", sub)
      .addEdge(START, "pick")
      .addEdge("pick", "sub")
      .compile();
    const runBoth = async (store: CheckpointStore, durability: "sync" | "async") => {
      await runGraph(graph, store, { threadId: "t", input: {}, durability });
      const ns = (await getState(graph, store, { threadId: "t" })).tasks[0]?.checkpoint?.checkpointNs ?? "?";
      const r = await runGraph(graph, store, {
        threadId: "t",
        command: new Command({ resume: "ok" }),
        durability,
      });
      expect(r.status).toBe("success");
      const shape = {
        values: r.values,
        root: await historyShape(store, "t"),
        sub: await historyShape(store, "t", ns),
      };
      // Interrupt ids and namespaces hash checkpoint ids: they differ between the two stores.
      return JSON.parse(JSON.stringify(shape).replace(/[0-9a-f]{32}|[0-9a-f-]{36}/g, "ID"));
    };
    const log: string[] = [];
    const { store } = batchLoggingStore(log);
    const async = await runBoth(store, "async");
    expect(log.filter((e) => !e.startsWith("stored")).map((e) => e.split(":")[0])).toEqual([
      "batch",
      "batch",
    ]);
    expect(async.sub.length).toBeGreaterThan(1);
    expect(async).toEqual(await runBoth(new MemoryStore(), "sync"));
  });

  it('"async": a slow node splits the batches, so the checkpoints before it are saved before it ends', async () => {
    const log: string[] = [];
    const { store, inner } = batchLoggingStore(log);
    const graph = new StateGraph({ log: append<string>() })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("slow", async () => {
        log.push("slow:start");
        await sleep(20);
        log.push("slow:end");
        return { log: ["slow"] };
      })
      .addNode("c", () => ({ log: ["c"] }))
      .addEdge(START, "a")
      .addEdge("a", "slow")
      .addEdge("slow", "c")
      .compile();
    await runGraph(graph, store, { threadId: "t", input: {}, durability: "async" });
    expect(log).toEqual([
      "slow:start",
      "batch:put:-1,put:0,put:1",
      "stored:1",
      "slow:end",
      "batch:put:2,put:3",
      "stored:2",
    ]);
    expect((await allCheckpoints(inner, "t")).map((c) => c.metadata.step)).toEqual([-1, 0, 1, 2, 3]);
  });

  it('"async": a failing batch stops every later write and the run rejects with its error', async () => {
    const log: string[] = [];
    const { store, inner } = batchLoggingStore(log, "put:2");
    const slow = (name: string) => async () => {
      await sleep(10);
      return { log: [name] };
    };
    const graph = new StateGraph({ log: append<string>() })
      .addNode("a", slow("a"))
      .addNode("b", slow("b"))
      .addNode("c", slow("c"))
      .addNode("d", slow("d"))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", "c")
      .addEdge("c", "d")
      .compile();
    await expect(runGraph(graph, store, { threadId: "t", input: {}, durability: "async" })).rejects.toThrow(
      "batch with put:2 failed",
    );
    await sleep(30); // a write sent late would show up here
    expect(log).toEqual(["batch:put:-1,put:0", "stored:1", "one:put:1", "stored:2", "one:put:2"]);
    expect((await allCheckpoints(inner, "t")).map((c) => c.metadata.step)).toEqual([-1, 0, 1]);
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
