/**
 * Contract suite of `RunEventStore` (src/store/queue-store.ts; docs/api.md §7 resumable streams), memory and
 * MongoDB alike (`stores.ts`): append with duplicate seqs ignored, ordered paged reads, last seqs, deletion.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LoggedEvent, RunEventStore } from "../../src/store/queue-store.js";
import { TRICKY_VALUES } from "./checkpoint-store.js";
import type { MakeStores, StoresFixture } from "./stores.js";

function ev(seq: number, data: LoggedEvent["data"] = { seq }): LoggedEvent {
  return { seq, event: seq % 2 === 0 ? "values" : "updates", data };
}

/** Registers the RunEventStore contract for one store. */
export function runEventStoreContract(name: string, makeStores: MakeStores): void {
  describe(`RunEventStore contract: ${name}`, () => {
    let fixture: StoresFixture;
    let events: RunEventStore;
    beforeEach(async () => {
      fixture = await makeStores();
      events = fixture.stores.events;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it("append then read returns the events after a seq in order, up to limit; data round-trips", async () => {
      await events.append("r1", [ev(2), ev(0, TRICKY_VALUES), ev(1)]);
      await events.append("r1", [ev(3, [1, "two", null])]);
      await events.append("r2", [ev(0)]);
      await events.append("r1", []);
      expect(await events.read("r1", -1, 10)).toEqual([
        ev(0, TRICKY_VALUES),
        ev(1),
        ev(2),
        ev(3, [1, "two", null]),
      ]);
      expect((await events.read("r1", 0, 2)).map((e) => e.seq)).toEqual([1, 2]);
      expect(await events.read("r1", 3, 10)).toEqual([]);
      expect(await events.read("nope", -1, 10)).toEqual([]);
    });

    it("a duplicate seq is ignored and the first event kept, even within one batch of new ones", async () => {
      await events.append("r1", [ev(0, "first"), ev(1)]);
      await events.append("r1", [ev(1, "again"), ev(2)]);
      expect(await events.read("r1", -1, 10)).toEqual([ev(0, "first"), ev(1), ev(2)]);
    });

    it("lastSeq and lastSeqs give the highest seq per run; runs with nothing logged have none", async () => {
      expect(await events.lastSeq("r1")).toBe(-1);
      await events.append("r1", [ev(0), ev(7), ev(3)]);
      await events.append("r2", [ev(1)]);
      expect(await events.lastSeq("r1")).toBe(7);
      const last = await events.lastSeqs(["r1", "r2", "r3"]);
      expect([...last.entries()].sort()).toEqual([
        ["r1", 7],
        ["r2", 1],
      ]);
      expect((await events.lastSeqs([])).size).toBe(0);
    });

    it("deleteRuns removes every event of the given runs only", async () => {
      await events.append("r1", [ev(0), ev(1)]);
      await events.append("r2", [ev(0)]);
      await events.append("r3", [ev(0)]);
      await events.deleteRuns(["r1", "r3", "nope"]);
      await events.deleteRuns([]);
      expect(await events.read("r1", -1, 10)).toEqual([]);
      expect(await events.lastSeq("r3")).toBe(-1);
      expect(await events.read("r2", -1, 10)).toEqual([ev(0)]);
    });
  });
}
