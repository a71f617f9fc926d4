/**
 * The `async` write queue (src/engine/write-queue.ts, docs/semantics.md §1.16): batches per event-loop turn, the
 * next batch accumulates while one is in flight, `flush` drains at once, nothing is sent after a failure; the
 * `sync` queue and stores without `writeBatch` write one by one.
 */
import { describe, expect, it } from "vitest";
import type { CheckpointStore, PendingWrite, StoreWrite } from "../../src/engine/index.js";
import { createWriteQueue } from "../../src/engine/write-queue.js";
import { MemoryStore } from "./helpers.js";

const ref = { threadId: "t", checkpointNs: "", checkpointId: "c" };

function putWrites(n: number): StoreWrite {
  const writes: PendingWrite[] = [{ taskId: `task${n}`, taskPath: "", idx: 0, channel: "x", value: n }];
  return { kind: "putWrites", ref, writes };
}

/** Names of the writes (`task<n>`) of a store call. */
function names(writes: readonly StoreWrite[]): string[] {
  return writes.map((w) => (w.kind === "putWrites" ? (w.writes[0]?.taskId ?? "?") : "put"));
}

/**
 * A store that logs its calls (`batch:task1,task2` / `one:task1`); each call waits for `gate` (when set) and fails
 * when `fail` says so.
 */
function loggingStore(options: {
  gate?: () => Promise<void>;
  fail?: (call: number) => boolean;
  batch?: boolean;
}) {
  const log: string[] = [];
  const inner = new MemoryStore();
  const call = async (entry: string, run: () => Promise<unknown>) => {
    log.push(entry);
    await options.gate?.();
    if (options.fail?.(log.length)) throw new Error(`call ${log.length} failed`);
    await run();
  };
  const store: CheckpointStore = {
    getTuple: (q) => inner.getTuple(q),
    list: (q) => inner.list(q),
    deleteThread: (id) => inner.deleteThread(id),
    put: async (input) => {
      await call("one:put", () => inner.put(input));
      return {
        threadId: input.threadId,
        checkpointNs: input.checkpointNs,
        checkpointId: input.checkpoint.id,
      };
    },
    putWrites: (r, writes) => call(`one:${writes[0]?.taskId}`, () => inner.putWrites(r, writes)),
    ...(options.batch === false
      ? {}
      : { writeBatch: (writes) => call(`batch:${names(writes).join(",")}`, () => inner.writeBatch(writes)) }),
  };
  return { store, log };
}

const turn = () => new Promise((r) => setImmediate(r));

describe("async write queue (docs/semantics.md §1.16)", () => {
  it("sends what was written before the event loop turns as one batch", async () => {
    const { store, log } = loggingStore({});
    const queue = createWriteQueue("async", store);
    await queue.write(putWrites(1));
    await queue.write(putWrites(2));
    await queue.write(putWrites(3));
    expect(log).toEqual([]);
    await turn();
    expect(log).toEqual(["batch:task1,task2,task3"]);
    await queue.flush();
    expect(log).toEqual(["batch:task1,task2,task3"]);
  });

  it("flush sends at once, without waiting for the scheduled batch, and resolves once everything is stored", async () => {
    let release: () => void = () => undefined;
    const { store, log } = loggingStore({
      gate: () =>
        new Promise<void>((r) => {
          release = r;
        }),
    });
    const queue = createWriteQueue("async", store);
    await queue.write(putWrites(1));
    await queue.write(putWrites(2));
    let done = false;
    const flushed = queue.flush().then(() => {
      done = true;
    });
    expect(log).toEqual(["batch:task1,task2"]);
    await turn();
    expect(done).toBe(false);
    release();
    await flushed;
    expect(log).toEqual(["batch:task1,task2"]);
  });

  it("while a batch is in flight, new writes accumulate and go as the next batch", async () => {
    let release: () => void = () => undefined;
    const { store, log } = loggingStore({
      gate: () =>
        new Promise<void>((r) => {
          release = r;
        }),
    });
    const queue = createWriteQueue("async", store);
    await queue.write(putWrites(1));
    await queue.write(putWrites(2));
    await turn();
    expect(log).toEqual(["batch:task1,task2"]);
    await queue.write(putWrites(3));
    await queue.write(putWrites(4));
    await turn();
    await turn();
    expect(log).toEqual(["batch:task1,task2"]);
    release();
    await turn();
    expect(log).toEqual(["batch:task1,task2", "batch:task3,task4"]);
    release();
    await queue.flush();
    expect(log).toEqual(["batch:task1,task2", "batch:task3,task4"]);
  });

  it("after a failed batch no later write is sent; failure() reports it and flush rejects with it", async () => {
    const { store, log } = loggingStore({ fail: (call) => call === 1 });
    const queue = createWriteQueue("async", store);
    await queue.write(putWrites(1));
    await queue.write(putWrites(2));
    await turn();
    await turn();
    expect(queue.failure()).toEqual({ error: new Error("call 1 failed") });
    await queue.write(putWrites(3));
    await expect(queue.flush()).rejects.toThrow("call 1 failed");
    await turn();
    expect(log).toEqual(["batch:task1,task2"]);
  });

  it("a batch of one write, or a store without writeBatch, is written one by one in order", async () => {
    const one = loggingStore({});
    const single = createWriteQueue("async", one.store);
    await single.write(putWrites(1));
    await single.flush();
    expect(one.log).toEqual(["one:task1"]);
    const plain = loggingStore({ batch: false, fail: (call) => call === 2 });
    const queue = createWriteQueue("async", plain.store);
    for (const n of [1, 2, 3]) await queue.write(putWrites(n));
    await expect(queue.flush()).rejects.toThrow("call 2 failed");
    expect(plain.log).toEqual(["one:task1", "one:task2"]);
  });

  it('"sync" writes each write at once and awaits it', async () => {
    const { store, log } = loggingStore({ fail: (call) => call === 2 });
    const queue = createWriteQueue("sync", store);
    const first = queue.write(putWrites(1));
    expect(log).toEqual(["one:task1"]);
    await first;
    await expect(queue.write(putWrites(2))).rejects.toThrow("call 2 failed");
    expect(queue.failure()).toBeUndefined();
  });
});
