/**
 * The run hub (`src/runtime/run-hub.ts`) and the process's hubs with their fallback poll (`run-hubs.ts`) over an
 * in-memory event log and run status: a reader pulls a page only as its consumer asks (a slow consumer holds one
 * page); many readers of one run share one read per batch, each from its own position; the end of the run ends
 * every reader once its events are read; an abort wakes a waiting reader at once; while the change stream is down,
 * one probe per interval serves every waiter of every run.
 */
import { describe, expect, it } from "vitest";
import { createRunHub } from "../../src/runtime/run-hub.js";
import { createRunHubs } from "../../src/runtime/run-hubs.js";
import { createRunSignals } from "../../src/runtime/signals.js";
import { RunNotFoundError } from "../../src/store/errors.js";
import type { LoggedEvent, RunEventStore, RunQueueStore } from "../../src/store/queue-store.js";
import type { RunRecord, RunStatus, ThreadStore } from "../../src/store/records.js";

/** An in-memory log and run status that count their reads. */
function memoryRun() {
  const log: LoggedEvent[] = [];
  const counts = { reads: [] as number[], outputs: 0, statuses: 0, lastSeqs: 0 };
  let status: RunStatus = "running";
  const events: RunEventStore = {
    async append(_runId, batch) {
      log.push(...batch);
    },
    async read(_runId, afterSeq, limit) {
      counts.reads.push(afterSeq);
      return log.filter((e) => e.seq > afterSeq).slice(0, limit);
    },
    async lastSeq() {
      return log.at(-1)?.seq ?? -1;
    },
    async lastSeqs(ids) {
      counts.lastSeqs++;
      return new Map(ids.map((id) => [id, log.at(-1)?.seq ?? -1]));
    },
    async deleteRuns() {},
  };
  const queue = {
    async output(runId: string) {
      counts.outputs++;
      return { run: { runId, threadId: "t", status } as RunRecord, output: { done: true } };
    },
    async watch() {},
    async statuses(ids: readonly string[]) {
      counts.statuses++;
      return new Map(ids.map((id) => [id, status]));
    },
  } satisfies Pick<RunQueueStore, "output" | "watch" | "statuses">;
  const threads = { get: async () => ({}) } as unknown as ThreadStore;
  return {
    log,
    counts,
    events,
    queue,
    threads,
    setStatus(s: RunStatus) {
      status = s;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect(reader: AsyncGenerator<LoggedEvent>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const e of reader) seqs.push(e.seq);
  return seqs;
}

describe("run hub", () => {
  it("pulls a page only when the reader wants more, then ends with the run", async () => {
    const run = memoryRun();
    for (let seq = 0; seq < 250; seq++) run.log.push({ seq, event: "custom", data: seq });
    const signals = createRunSignals();
    const hub = createRunHub({ ...run, signals }, "r");
    const reader = hub.read(9);
    const first = await reader.next();
    expect(first.value).toEqual({ seq: 10, event: "custom", data: 10 });
    expect(run.counts.reads).toEqual([9]); // one page, though 240 events are waiting
    const seen = [first.value?.seq];
    for (let i = 0; i < 99; i++) seen.push((await reader.next()).value?.seq);
    expect(run.counts.reads).toEqual([9]);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 10));
    run.setStatus("success");
    signals.notify({ runId: "r", runDocument: true });
    expect(await collect(reader)).toEqual(Array.from({ length: 140 }, (_, i) => i + 110));
    hub.close();
  });

  it("50 readers at the head share one read per batch; a replaying reader gets everything; the end ends all", async () => {
    const run = memoryRun();
    run.log.push({ seq: 0, event: "metadata", data: {} });
    const signals = createRunSignals();
    const hub = createRunHub({ ...run, signals }, "r");
    const live = Array.from({ length: 50 }, () => collect(hub.read(0)));
    await sleep(50);
    const idleReads = run.counts.reads.length;
    expect(idleReads).toBe(1); // one read for all 50, none while nothing happens
    expect(run.counts.outputs).toBe(1);
    for (let seq = 1; seq <= 3; seq++) {
      run.log.push({ seq, event: "values", data: seq });
      signals.notify({ runId: "r", runDocument: false });
      await sleep(10);
    }
    expect(run.counts.reads.length - idleReads).toBe(3); // one per batch, not one per reader
    const replay = collect(hub.read(-1));
    run.setStatus("success");
    signals.notify({ runId: "r", runDocument: true });
    for (const seqs of await Promise.all(live)) expect(seqs).toEqual([1, 2, 3]);
    expect(await replay).toEqual([0, 1, 2, 3]);
    expect(run.counts.outputs).toBe(2); // the first look and the end
    expect((await hub.finished()).waitBody).toEqual({ done: true });
    hub.close();
  });

  it("a waiting reader wakes when its signal aborts and throws its reason; the others go on", async () => {
    const run = memoryRun();
    run.log.push({ seq: 0, event: "metadata", data: {} });
    const signals = createRunSignals();
    const hub = createRunHub({ ...run, signals }, "r");
    const controller = new AbortController();
    const reader = hub.read(-1, controller.signal);
    const other = collect(hub.read(0));
    expect((await reader.next()).value?.seq).toBe(0);
    const next = reader.next();
    await sleep(20);
    expect(hub.waiting()).toBe(true);
    const reason = new Error("deadline");
    controller.abort(reason);
    await expect(next).rejects.toBe(reason);
    run.log.push({ seq: 1, event: "values", data: 1 });
    run.setStatus("success");
    signals.notify({ runId: "r", runDocument: true });
    expect(await other).toEqual([1]);
    expect(hub.waiting()).toBe(false);
    hub.close();
  });

  it("a deleted run ends its readers and fails its waits with RunNotFoundError", async () => {
    const run = memoryRun();
    const signals = createRunSignals();
    const hub = createRunHub(
      {
        ...run,
        queue: {
          ...run.queue,
          output: async (id: string) => {
            throw new RunNotFoundError(id);
          },
        },
        signals,
      },
      "r",
    );
    expect(await collect(hub.read(-1))).toEqual([]);
    await expect(hub.finished()).rejects.toBeInstanceOf(RunNotFoundError);
    hub.close();
  });
});

describe("run hubs' fallback poll", () => {
  it("while the change stream is down: one probe per interval for all waiters; wakes them on a change", async () => {
    const run = memoryRun();
    run.log.push({ seq: 0, event: "metadata", data: {} });
    const signals = createRunSignals(); // no watcher: never live, so only the probe sees other replicas
    const hubs = createRunHubs({ ...run, signals, pollMs: 50 });
    const held = Array.from({ length: 40 }, () => hubs.acquire("r"));
    const readers = held.slice(0, 20).map((h) => collect(h.hub.read(0)));
    const waits = held.slice(20).map((h) => h.hub.finished());
    expect(hubs.size()).toBe(1);
    await sleep(520);
    // ~10 intervals: one status probe and one log probe each, whatever the number of waiters.
    expect(run.counts.statuses).toBeGreaterThanOrEqual(5);
    expect(run.counts.statuses).toBeLessThanOrEqual(12);
    expect(run.counts.lastSeqs).toBe(run.counts.statuses);
    expect(run.counts.reads.length).toBe(1);
    expect(run.counts.outputs).toBe(1);
    // Another replica appends an event and ends the run, with no signal here.
    run.log.push({ seq: 1, event: "values", data: 1 });
    run.setStatus("success");
    for (const seqs of await Promise.all(readers)) expect(seqs).toEqual([1]);
    for (const finished of await Promise.all(waits)) expect(finished.run.status).toBe("success");
    for (const h of held) h.release();
    expect(hubs.size()).toBe(0);
    const probes = run.counts.statuses;
    await sleep(150);
    expect(run.counts.statuses).toBe(probes); // no hub, no probe
    hubs.close();
  });
});
