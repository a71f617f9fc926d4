/**
 * Shared fixtures of the engine tests: small graphs, store access, event capture.
 */
import {
  append,
  type CheckpointStore,
  type CheckpointTuple,
  type CompileOptions,
  END,
  lastValue,
  type RunEvent,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import { MemoryStore } from "../../src/store/memory.js";

export { MemoryStore };

/** Call counters per node name. */
export type Calls = Record<string, number>;

/** START → a → b → c → END; each node appends its name to `log` and counts its calls. */
export function chain(options: CompileOptions = {}, calls: Calls = {}) {
  const node = (name: string) => () => {
    calls[name] = (calls[name] ?? 0) + 1;
    return { log: [name] };
  };
  return new StateGraph({ log: append<string>(), x: lastValue<number>() })
    .addNode("a", node("a"))
    .addNode("b", node("b"))
    .addNode("c", node("c"))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END)
    .compile(options);
}

/** Every checkpoint of the thread, oldest first. */
export async function allCheckpoints(store: CheckpointStore, threadId: string): Promise<CheckpointTuple[]> {
  return (await store.list({ threadId })).reverse();
}

/** The head tuple, or a thrown error when the thread is empty. */
export async function head(store: CheckpointStore, threadId: string): Promise<CheckpointTuple> {
  const t = await store.getTuple({ threadId });
  if (!t) throw new Error(`no head for ${threadId}`);
  return t;
}

/** An event sink that records events. */
export function recorder(): {
  events: RunEvent[];
  onEvent: (e: RunEvent) => void;
  of: (mode: string) => unknown[];
} {
  const events: RunEvent[] = [];
  return {
    events,
    onEvent: (e) => events.push(e),
    of: (mode) => events.filter((e) => e.mode === mode).map((e) => e.data),
  };
}

/** A promise that resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
