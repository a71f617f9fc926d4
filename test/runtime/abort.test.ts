/**
 * Waiting under an `AbortSignal` (`src/runtime/abort.ts`, `RunSignals.waitRun`): a wait ends with the signal's
 * reason as soon as it aborts (at once when it already has) and leaves no listener, timer or wake-up behind.
 */
import { describe, expect, it } from "vitest";
import { abortable, onAbort } from "../../src/runtime/abort.js";
import { createRunSignals } from "../../src/runtime/signals.js";

describe("abortable", () => {
  it("settles like the promise when the signal does not abort", async () => {
    const controller = new AbortController();
    await expect(abortable(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error("x")), controller.signal)).rejects.toThrow("x");
  });

  it("rejects with the reason when the signal aborts first, or has already", async () => {
    const controller = new AbortController();
    const reason = new Error("deadline");
    const waiting = abortable(new Promise(() => undefined), controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(abortable(Promise.resolve(1), controller.signal)).rejects.toBe(reason);
  });
});

describe("onAbort", () => {
  it("calls back once on abort, at once when already aborted, never after it was detached", () => {
    const calls: string[] = [];
    const a = new AbortController();
    onAbort(a.signal, () => calls.push("a"));
    const b = new AbortController();
    const detach = onAbort(b.signal, () => calls.push("b"));
    detach();
    a.abort();
    b.abort();
    onAbort(a.signal, () => calls.push("late"));
    expect(calls).toEqual(["a", "late"]);
  });
});

describe("RunSignals.waitRun with a signal", () => {
  it("wakes on abort and frees its listener; an already aborted signal registers nothing", async () => {
    const signals = createRunSignals();
    const controller = new AbortController();
    const wake = signals.waitRun("r", 60_000, { signal: controller.signal });
    expect(signals.pending()).toBe(1);
    controller.abort();
    await wake.promise;
    expect(signals.pending()).toBe(0);
    const late = signals.waitRun("r", 60_000, { signal: controller.signal });
    await late.promise;
    expect(signals.pending()).toBe(0);
  });
});
