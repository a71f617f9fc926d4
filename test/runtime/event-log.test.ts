/**
 * The event log writer (`src/runtime/event-log.ts`) over an in-memory `RunEventStore`: it numbers events from
 * `firstSeq` and stores them in order (the readers are the run hub's, test/runtime/run-hub.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ATTEMPT_SEQ_SPAN, createEventWriter, firstEventSeq } from "../../src/runtime/event-log.js";
import { createRunSignals } from "../../src/runtime/signals.js";
import type { LoggedEvent, RunEventStore } from "../../src/store/queue-store.js";

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
    async lastSeqs() {
      return new Map();
    },
    async deleteRuns() {},
  };
  return { log, reads, store };
}

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
