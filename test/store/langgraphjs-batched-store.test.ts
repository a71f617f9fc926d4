/**
 * LangGraph.js's per-run store wrapper (`AsyncBatchedStore`) once the adapter made it flush on demand
 * (`src/host/langgraphjs/batched-store.ts`): operations queued together still go out in one `batch` call, in
 * order, with their own results; a failed batch rejects each of its operations; batches do not overlap; nothing
 * is sent while nothing is queued; an operation queued after `stop()` is answered. And a LangGraph.js graph
 * reading and writing the store through `getStore()` still sees its writes.
 */
import {
  Annotation,
  AsyncBatchedStore,
  InMemoryStore,
  MemorySaver,
  type Operation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { beforeAll, expect, it } from "vitest";
import { batchStoreOnDemand } from "../../src/host/langgraphjs/batched-store.js";

/** An InMemoryStore recording each batch it is handed. */
class RecordingStore extends InMemoryStore {
  readonly batches: Operation[][] = [];
  failNext = false;
  override async batch<Op extends readonly Operation[]>(operations: Op) {
    this.batches.push([...operations]);
    if (this.failNext) {
      this.failNext = false;
      throw new Error("store down");
    }
    return super.batch(operations);
  }
}

beforeAll(() => batchStoreOnDemand());

it("sends operations queued together in one batch, in order, and nothing while idle", async () => {
  const inner = new RecordingStore();
  const store = new AsyncBatchedStore(inner);
  store.start();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(inner.batches).toEqual([]);
  await Promise.all([store.put(["ns"], "a", { v: 1 }), store.put(["ns"], "b", { v: 2 })]);
  expect(inner.batches).toHaveLength(1);
  const [a, b, missing] = await Promise.all([
    store.get(["ns"], "a"),
    store.get(["ns"], "b"),
    store.get(["ns"], "c"),
  ]);
  expect(inner.batches).toHaveLength(2);
  expect(inner.batches[1]?.map((op) => (op as { key: string }).key)).toEqual(["a", "b", "c"]);
  expect([a?.value, b?.value, missing]).toEqual([{ v: 1 }, { v: 2 }, null]);
  await store.stop();
  // Queued after stop(): still answered.
  expect((await store.get(["ns"], "a"))?.value).toEqual({ v: 1 });
});

it("rejects every operation of a failed batch, and the next batch goes out after it", async () => {
  const inner = new RecordingStore();
  const store = new AsyncBatchedStore(inner);
  store.start();
  inner.failNext = true;
  const failed = Promise.allSettled([store.put(["ns"], "x", { v: 1 }), store.get(["ns"], "x")]);
  const settled = await failed;
  expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
  await store.put(["ns"], "x", { v: 2 });
  expect((await store.get(["ns"], "x"))?.value).toEqual({ v: 2 });
  await store.stop();
});

it("a LangGraph.js graph reads back what it put through getStore()", async () => {
  const State = Annotation.Root({ seen: Annotation<unknown> });
  const graph = new StateGraph(State)
    .addNode("write", async (_s, config) => {
      await config.store?.put(["memories"], "k", { text: "remember me" });
      return {};
    })
    .addNode("read", async (_s, config) => ({ seen: (await config.store?.get(["memories"], "k"))?.value }))
    .addEdge(START, "write")
    .addEdge("write", "read")
    .compile({ checkpointer: new MemorySaver(), store: new InMemoryStore() });
  const out = await graph.invoke({}, { configurable: { thread_id: "t1" } });
  expect(out.seen).toEqual({ text: "remember me" });
});
