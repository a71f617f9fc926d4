/**
 * Pure super-step function: which tasks run next (docs/semantics.md §1.3).
 */

import { isAvailable } from "./apply.js";
import type { Checkpoint, JsonValue } from "./checkpoint.js";
import { PULL, PUSH, START, TASKS } from "./constants.js";
import type { CompiledGraph } from "./graph-types.js";
import { type TaskPath, taskId } from "./ids.js";

/**
 * A task prepared for a step.
 * - `id`: deterministic (docs/semantics.md §1.15). `path`: `["__pregel_pull", name]` or `["__pregel_push", index]`.
 * - `triggers`: channels a PULL task consumes (recorded in `versionsSeen`); `[]` for PUSH.
 * - `input`: what the node receives: the state values (PULL), the `Send` args (PUSH), the raw input (START).
 */
export interface PreparedTask {
  readonly id: string;
  readonly name: string;
  readonly path: TaskPath;
  readonly triggers: readonly string[];
  readonly input: JsonValue;
}

/**
 * The state values of a checkpoint: the state keys that hold a value, in schema order. A key never written shows
 * its default when it has one (as LangGraph's reducer channels start from their default, docs/semantics.md §1.9).
 */
export function stateValues(checkpoint: Checkpoint, graph: CompiledGraph): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const key of graph.stateKeys) {
    const v = checkpoint.channelValues[key];
    if (v !== undefined) out[key] = v;
    else {
      const def = graph.channels.get(key);
      const initial = def?.kind === "state" ? def.default?.() : undefined;
      if (initial !== undefined) out[key] = initial;
    }
  }
  return out;
}

/** A `Send` packet as stored in `__pregel_tasks`. */
export interface SendPacket {
  node: string;
  args: JsonValue;
}

function isPacket(value: JsonValue): value is { node: string; args: JsonValue } {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && typeof value.node === "string"
  );
}

/**
 * The tasks of the step that follows `checkpoint` (step = checkpoint step + 1), in order: PUSH tasks (one per
 * packet in `__pregel_tasks`), then PULL tasks in node declaration order (START first). A PULL task exists for
 * node N when one of N's trigger channels is available and has `channelVersions[ch] > versionsSeen[N][ch]`.
 * Pure and deterministic: the same checkpoint gives the same tasks and ids.
 */
export function prepareTasks(
  checkpoint: Checkpoint,
  graph: CompiledGraph,
  options: { step: number; checkpointNs?: string },
): PreparedTask[] {
  const ns = options.checkpointNs ?? "";
  const values = checkpoint.channelValues;
  const tasks: PreparedTask[] = [];
  const packets = values[TASKS];
  if (Array.isArray(packets)) {
    packets.forEach((packet, index) => {
      if (!isPacket(packet) || !graph.nodes.has(packet.node)) return;
      const path: TaskPath = [PUSH, index];
      tasks.push({
        id: taskId(checkpoint.id, ns, options.step, packet.node, path),
        name: packet.node,
        path,
        triggers: [],
        input: packet.args ?? null,
      });
    });
  }
  let state: Record<string, JsonValue> | undefined;
  for (const node of graph.nodes.values()) {
    const seen = checkpoint.versionsSeen[node.name] ?? {};
    const triggered = node.triggers.some(
      (ch) =>
        isAvailable(graph.channels.get(ch), values[ch]) &&
        (checkpoint.channelVersions[ch] ?? 0) > (seen[ch] ?? 0),
    );
    if (!triggered) continue;
    const path: TaskPath = [PULL, node.name];
    state ??= stateValues(checkpoint, graph);
    tasks.push({
      id: taskId(checkpoint.id, ns, options.step, node.name, path),
      name: node.name,
      path,
      triggers: node.triggers.filter((ch) => checkpoint.channelVersions[ch] !== undefined),
      input: node.name === START ? (values[START] ?? null) : state,
    });
  }
  return tasks;
}
