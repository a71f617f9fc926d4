/**
 * Identifiers (docs/semantics.md §1.15, §3.3, §8): time-ordered checkpoint ids, deterministic task ids and
 * interrupt ids.
 */
import { createHash, randomBytes } from "node:crypto";
import { xxhash128 } from "hash-wasm";

/** A task path: `["__pregel_pull", node]` or `["__pregel_push", index]` (docs/semantics.md §1.3). */
export type TaskPath = readonly [string, string | number];

/** 100 ns ticks between the Gregorian epoch (1582-10-15) and the Unix epoch. */
const GREGORIAN_OFFSET_TICKS = 122_192_928_000_000_000n;
const V6 = /^([0-9a-f]{8})-([0-9a-f]{4})-6([0-9a-f]{3})-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let lastTicks = 0n;
/** Node field of this process's ids: random once per process (uniqueness within the process comes from ticks). */
const NODE = randomBytes(6).toString("hex");

/** The 60-bit timestamp (100 ns ticks) of a UUID v6 id, or `undefined` when `id` is not a v6 UUID. */
export function checkpointIdTicks(id: string): bigint | undefined {
  const m = V6.exec(id);
  return m ? BigInt(`0x${m[1]}${m[2]}${m[3]}`) : undefined;
}

/**
 * A new checkpoint id (docs/semantics.md §8): a UUID v6 whose clock sequence carries `step` (low 14 bits, so
 * step −1 gives `bfff`) and whose timestamp is the current time in 100 ns ticks, bumped past
 * - the last id this process generated (monotonic within the process), and
 * - every id in `after` (the parent and the thread's head), so the new id sorts after them as a string even
 *   when the clock went back or another process wrote them.
 * Never parse the step back out of an id.
 */
export function newCheckpointId(step: number, after: ReadonlyArray<string | null | undefined> = []): string {
  const nowMs = BigInt(Date.now());
  let ticks = nowMs * 10_000n + GREGORIAN_OFFSET_TICKS;
  if (ticks <= lastTicks) ticks = lastTicks + 1n;
  for (const id of after) {
    const t = id ? checkpointIdTicks(id) : undefined;
    if (t !== undefined && ticks <= t) ticks = t + 1n;
  }
  lastTicks = ticks;
  const hex = ticks.toString(16).padStart(15, "0");
  const clockSeq = ((step & 0x3fff) | 0x8000).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-6${hex.slice(12, 15)}-${clockSeq}-${NODE}`;
}

/**
 * Deterministic task id (docs/semantics.md §1.15): uuid5 of `JSON.stringify([ns, step, name, ...path])` in the
 * namespace of the checkpoint id (as LangGraph.js). Same checkpoint → same ids; a new checkpoint → new ids.
 * `checkpointId` must be a UUID.
 */
export function taskId(
  checkpointId: string,
  checkpointNs: string,
  step: number,
  name: string,
  path: TaskPath,
): string {
  return uuid5(JSON.stringify([checkpointNs, String(step), name, ...path]), checkpointId);
}

/** RFC 4122 UUID v5 (SHA-1 of namespace bytes + name), same output as `uuid`'s `v5`, without its parsing cost. */
function uuid5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replaceAll("-", ""), "hex");
  if (ns.length !== 16) throw new TypeError(`Invalid UUID namespace: ${namespace}`);
  const h = createHash("sha1").update(ns).update(name, "utf8").digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = h.toString("hex", 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Interrupt id (docs/semantics.md §3.3): 32-hex xxh3-128 of the task namespace `"<node>:<task_id>"`, prefixed by
 * the parent namespace and `|` inside a subgraph (`checkpointNs`, `""` at the root).
 */
export function interruptId(node: string, id: string, checkpointNs = ""): Promise<string> {
  return xxhash128(checkpointNs ? `${checkpointNs}|${node}:${id}` : `${node}:${id}`);
}

/** The checkpoint namespace of subgraph task `node`/`taskId` run from namespace `checkpointNs` (§ Terms). */
export function childNamespace(checkpointNs: string, node: string, taskId: string): string {
  return checkpointNs ? `${checkpointNs}|${node}:${taskId}` : `${node}:${taskId}`;
}

/**
 * A task path as the string stored in `PendingWrite.taskPath`: parts joined by `~`, numbers zero-padded to 10
 * digits (as Python), so string order is path order. `""` is the null task.
 */
export function taskPathString(path: TaskPath | readonly []): string {
  return path.map((p) => (typeof p === "number" ? p.toString().padStart(10, "0") : p)).join("~");
}
