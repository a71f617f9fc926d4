/**
 * The event log reader and writer (`src/runtime/event-log.ts`) over an in-memory `RunEventStore`: the reader pulls
 * one page at a time only as its consumer asks (a slow consumer holds one page), returns events in seq order after
 * `afterSeq`, ends once the run has ended and its events are read; the writer numbers events from `firstSeq` and
 * stores them in order.
 */
import { describe, expect, it } from "vitest";
import {
  ATTEMPT_SEQ_SPAN,
  createEventWriter,
  firstEventSeq,
  readEvents,
} from "../../src/runtime/event-log.js";
import type { LoggedEvent, RunEventStore } from "../../src/runtime/queue-store.js";
import { createRunSignals } from "../../src/runtime/signals.js";
import type { RunRecord, RunStatus, RunStore } from "../../src/store/records.js";

function memoryEvents() {
  const log: LoggedEvent[] = [];
  const reads: number[] = [];
  const store: RunEventStore = {
    async append(_runId, batch) {
      log.push(...batch);
    },
    async read(_runId, afterSeq, limit) {
      reads.push(afterSeq);
      return log.filter((e) => e.seq > afterSeq).slice(0, limit);
    },
    async lastSeq() {
      return log.at(-1)?.seq ?? -1;
    },
  };
  return { log, reads, store };
}

function runsWithStatus(status: () => RunStatus): RunStore {
  return { get: async () => ({ status: status() }) as RunRecord } as unknown as RunStore;
}

describe("readEvents", () => {
  it("pulls a page only when the consumer wants more, then ends with the run", async () => {
    const events = memoryEvents();
    for (let seq = 0; seq < 250; seq++) events.log.push({ seq, event: "custom", data: seq });
    let status: RunStatus = "running";
    const signals = createRunSignals();
    const reader = readEvents({
      events: events.store,
      runs: runsWithStatus(() => status),
      signals,
      runId: "r",
      afterSeq: 9,
      pollMs: 10,
    });
    const first = await reader.next();
    expect(first.value).toEqual({ seq: 10, event: "custom", data: 10 });
    expect(events.reads).toEqual([9]); // one page, though 240 events are waiting
    const seen = [first.value?.seq];
    for (let i = 0; i < 99; i++) seen.push((await reader.next()).value?.seq);
    expect(events.reads).toEqual([9]);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 10));
    status = "success";
    const rest: number[] = [];
    for await (const e of reader) rest.push(e.seq);
    expect(rest).toEqual(Array.from({ length: 140 }, (_, i) => i + 110));
  });
});

describe("readEvents under an AbortSignal", () => {
  it("a reader waiting for events wakes when the signal aborts, throws its reason and frees its wake-up", async () => {
    const events = memoryEvents();
    events.log.push({ seq: 0, event: "metadata", data: {} });
    const signals = createRunSignals();
    const controller = new AbortController();
    const reader = readEvents({
      events: events.store,
      runs: runsWithStatus(() => "running"),
      signals,
      runId: "r",
      afterSeq: -1,
      pollMs: 60_000, // only the abort can wake it in time
      signal: controller.signal,
    });
    expect((await reader.next()).value?.seq).toBe(0);
    const next = reader.next();
    await new Promise((r) => setTimeout(r, 20));
    expect(signals.pending()).toBe(1);
    const reason = new Error("deadline");
    controller.abort(reason);
    await expect(next).rejects.toBe(reason);
    expect(signals.pending()).toBe(0);
  });
});

describe("createEventWriter", () => {
  it("numbers events from firstSeq and stores them in order; flush waits for the store", async () => {
    const events = memoryEvents();
    const writer = createEventWriter({
      events: events.store,
      signals: createRunSignals(),
      runId: "r",
      firstSeq: 5,
    });
    for (let i = 0; i < 20; i++) writer.publish("values", { i });
    await writer.flush();
    expect(events.log.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
    expect(events.log.map((e) => (e.data as { i: number }).i)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });
});

describe("first seq of an execution", () => {
  it("after the last one for a released run; an attempt's own range once reclaimed", () => {
    expect(firstEventSeq(6, 1)).toBe(7);
    expect(firstEventSeq(6, 2)).toBe(ATTEMPT_SEQ_SPAN);
    expect(firstEventSeq(ATTEMPT_SEQ_SPAN + 3, 2)).toBe(ATTEMPT_SEQ_SPAN + 4);
    expect(firstEventSeq(ATTEMPT_SEQ_SPAN + 3, 3)).toBe(2 * ATTEMPT_SEQ_SPAN);
  });

  it("a stale attempt's late events cannot take a reclaimed attempt's seqs", async () => {
    const { log, store } = memoryEvents();
    const signals = createRunSignals();
    const stale = createEventWriter({ events: store, signals, runId: "r", firstSeq: 0 });
    stale.publish("values", { n: 0 });
    await stale.flush();
    const reclaimed = createEventWriter({
      events: store,
      signals,
      runId: "r",
      firstSeq: firstEventSeq(await store.lastSeq("r"), 2),
    });
    stale.publish("values", { n: 1 }); // the paused worker wakes up and logs once more
    reclaimed.publish("metadata", { attempt: 2 });
    await Promise.all([stale.flush(), reclaimed.flush()]);
    const seqs = log.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(log.find((e) => e.event === "metadata")?.seq).toBe(ATTEMPT_SEQ_SPAN);
  });
});
