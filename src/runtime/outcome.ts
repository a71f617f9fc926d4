/**
 * What a finished run means for its thread, its run record and its `wait` body (DESIGN.md "runs/wait body",
 * "Thread status"; docs/api.md §4, §6).
 */
import {
  GraphAbortedError,
  type Interrupt,
  interruptJson,
  type JsonObject,
  type RunResult,
  type StateSnapshot,
} from "../engine/index.js";
import type { RunStatus, ThreadRecord, ThreadStateUpdate } from "../store/records.js";

/** `{error: <ErrorName>, message}` of a failed run. */
export function errorJson(error: Error | undefined): JsonObject {
  return { error: error?.name ?? "Error", message: error?.message ?? "unknown error" };
}

/** Interrupts grouped by task id (`ns[0]` is `"<node>:<task_id>"`), as stored on the thread. */
export function interruptsByTask(interrupts: readonly Interrupt[]): Record<string, JsonObject[]> {
  const out: Record<string, JsonObject[]> = {};
  for (const i of interrupts) {
    const ns = i.ns[0] ?? "";
    const taskId = ns.slice(ns.indexOf(":") + 1) || i.id;
    const list = out[taskId] ?? [];
    list.push(interruptJson(i));
    out[taskId] = list;
  }
  return out;
}

/**
 * Thread fields after a run: `error` if it failed (a cancel is not a failure), `interrupted` if the head has
 * `next`, else `idle`; values, interrupts and error always replaced. At a static breakpoint the interrupts are
 * `{<task id>: []}` for each of `pausedTaskIds` (docs/api.md §8a).
 */
export function threadUpdateFor(result: RunResult, pausedTaskIds: readonly string[] = []): ThreadStateUpdate {
  const cancelled = result.error instanceof GraphAbortedError;
  if (result.status === "error" && !cancelled) {
    return { status: "error", values: result.values, interrupts: {}, error: errorJson(result.error) };
  }
  return {
    status: result.next.length > 0 ? "interrupted" : "idle",
    values: result.values,
    interrupts:
      result.interrupts.length > 0
        ? interruptsByTask(result.interrupts)
        : Object.fromEntries(pausedTaskIds.map((id) => [id, []])),
    error: null,
  };
}

/**
 * Thread fields that mirror the head after a write outside a run (a state update, supersteps at create):
 * `interrupted` when the head has `next`, else `idle`; its values and interrupts; no error.
 */
export function threadFieldsFromHead(head: StateSnapshot): ThreadStateUpdate {
  return {
    status: head.next.length > 0 ? "interrupted" : "idle",
    values: head.values as JsonObject,
    interrupts: interruptsByTask(head.interrupts),
    error: null,
  };
}

/** Run record status: `success` (also when paused at an interrupt), `error`, or `interrupted` when cancelled. */
export function runStatusFor(result: RunResult): RunStatus {
  if (result.status !== "error") return "success";
  return result.error instanceof GraphAbortedError ? "interrupted" : "error";
}

/**
 * The wait body: the final values; at an interrupt the values plus `__interrupt__` (`[]` for a static
 * breakpoint); on failure `{"__error__": {error, message}}`. Never null.
 */
export function waitBodyFor(result: RunResult): JsonObject {
  if (result.status === "error") return { __error__: errorJson(result.error) };
  if (result.status === "paused") {
    return { ...result.values, __interrupt__: result.interrupts.map(interruptJson) };
  }
  return { ...result.values };
}

/** The wait body of a run that already finished, rebuilt from its thread (docs/api.md §6 "join"). */
export function waitBodyFromThread(thread: ThreadRecord): JsonObject {
  if (thread.status === "error") return { __error__: (thread.error ?? errorJson(undefined)) as JsonObject };
  const values = thread.values ?? {};
  if (thread.status === "interrupted") {
    return { ...values, __interrupt__: Object.values(thread.interrupts).flat() };
  }
  return { ...values };
}
