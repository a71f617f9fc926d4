/**
 * Pure super-step function: apply the writes of a step's tasks to a checkpoint (docs/semantics.md §1.1, §1.4, §1.5).
 */
import type { Checkpoint, JsonValue } from "./checkpoint.js";
import { NON_CHANNEL_WRITES } from "./constants.js";
import { InvalidUpdateError } from "./errors.js";
import type { ChannelDef, CompiledGraph } from "./graph-types.js";
import { type TaskPath, taskPathString } from "./ids.js";

/** The writes of one task: its name, path, the trigger channels it consumed and its `[channel, value]` writes. */
export interface TaskWrites {
  readonly name: string;
  readonly path: TaskPath | readonly [];
  readonly triggers: readonly string[];
  readonly writes: ReadonlyArray<readonly [string, JsonValue]>;
}

/**
 * Options of `applyWrites`.
 * - `bumpStep`: a super-step ended, so ephemeral channels (`__start__`, `branch:to:*`) and `__pregel_tasks`
 *   that were not written are cleared. `false` for null-task (Command) writes, which only add. @default true
 */
export interface ApplyOptions {
  bumpStep?: boolean;
}

/** A copy of `checkpoint` whose maps can be changed without touching the original. */
export function copyCheckpoint(checkpoint: Checkpoint): Checkpoint {
  return {
    ...checkpoint,
    channelValues: { ...checkpoint.channelValues },
    channelVersions: { ...checkpoint.channelVersions },
    versionsSeen: { ...checkpoint.versionsSeen },
  };
}

/** True when the channel holds a value that can trigger a node (docs/semantics.md §1.3). */
export function isAvailable(def: ChannelDef | undefined, value: JsonValue | undefined): boolean {
  if (value === undefined || def === undefined) return false;
  if (def.kind === "barrier") return Array.isArray(value) && def.names.every((n) => value.includes(n));
  if (def.kind === "topic") return Array.isArray(value) && value.length > 0;
  return true;
}

function updateChannel(
  values: Record<string, JsonValue>,
  channel: string,
  def: ChannelDef,
  writes: JsonValue[],
  bumpStep: boolean,
): void {
  const current = values[channel];
  switch (def.kind) {
    case "state": {
      if (!def.reducer) {
        if (writes.length > 1) {
          throw new InvalidUpdateError(
            `At key '${channel}': Can receive only one value per step. Use a reducer to handle multiple values.`,
            channel,
          );
        }
        values[channel] = writes[0] as JsonValue;
        return;
      }
      const start = current !== undefined ? current : def.default?.();
      const reduce = def.reducer;
      values[channel] =
        start === undefined
          ? writes.slice(1).reduce((acc, w) => reduce(acc, w), writes[0] as JsonValue)
          : writes.reduce((acc, w) => reduce(acc, w), start);
      return;
    }
    case "ephemeral":
      values[channel] = writes[writes.length - 1] as JsonValue;
      return;
    case "barrier": {
      const seen = new Set(Array.isArray(current) ? current : []);
      for (const w of writes) {
        if (typeof w !== "string" || !def.names.includes(w)) {
          throw new InvalidUpdateError(
            `Channel ${channel} got unexpected write ${JSON.stringify(w)}`,
            channel,
          );
        }
        seen.add(w);
      }
      values[channel] = def.names.filter((n) => seen.has(n));
      return;
    }
    case "topic":
      values[channel] = !bumpStep && Array.isArray(current) ? [...current, ...writes] : writes;
      return;
  }
}

/**
 * Applies the writes of `tasks` to `checkpoint` and returns the new checkpoint (same `id`/`ts`; the caller sets
 * them) plus the channels that changed. Pure: `checkpoint` is not modified.
 *
 * 1. `versionsSeen[task.name][ch]` records the version of each trigger channel the task consumed (docs/semantics.md §1.5).
 * 2. Complete join barriers consumed by a task are reset.
 * 3. Writes are grouped per channel in task-path order and folded through the reducers (docs/semantics.md §1.4); writes to
 *    `__error__`, `__interrupt__`, `__resume__`… are skipped.
 * 4. With `bumpStep`, ephemeral channels and `__pregel_tasks` not written in this step are cleared.
 * 5. Every changed channel gets one new version: max of all current versions + 1 (docs/semantics.md §1.5).
 *
 * Throws `InvalidUpdateError` for two writes to a last-value key (docs/semantics.md §1.1) or a write to an unknown channel.
 */
export function applyWrites(
  checkpoint: Checkpoint,
  graph: CompiledGraph,
  tasks: readonly TaskWrites[],
  options: ApplyOptions = {},
): { checkpoint: Checkpoint; updated: Set<string> } {
  const bumpStep = options.bumpStep ?? true;
  const cp = copyCheckpoint(checkpoint);
  const values = cp.channelValues;
  const sorted = [...tasks].sort((a, b) => {
    const pa = taskPathString(a.path);
    const pb = taskPathString(b.path);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  for (const task of sorted) {
    if (task.triggers.length === 0) continue;
    const seen = { ...cp.versionsSeen[task.name] };
    for (const ch of task.triggers) {
      const v = cp.channelVersions[ch];
      if (v !== undefined) seen[ch] = v;
    }
    cp.versionsSeen[task.name] = seen;
  }
  const updated = new Set<string>();
  for (const ch of new Set(sorted.flatMap((t) => t.triggers))) {
    const def = graph.channels.get(ch);
    if (def?.kind === "barrier" && isAvailable(def, values[ch])) {
      delete values[ch];
      updated.add(ch);
    }
  }
  const grouped = new Map<string, JsonValue[]>();
  for (const task of sorted) {
    for (const [ch, value] of task.writes) {
      if (NON_CHANNEL_WRITES.has(ch)) continue;
      if (!graph.channels.has(ch)) throw new InvalidUpdateError(`Write to unknown channel '${ch}'`, ch);
      const list = grouped.get(ch);
      if (list) list.push(value);
      else grouped.set(ch, [value]);
    }
  }
  for (const [ch, writes] of grouped) {
    updateChannel(values, ch, graph.channels.get(ch) as ChannelDef, writes, bumpStep);
    updated.add(ch);
  }
  if (bumpStep) {
    for (const [ch, def] of graph.channels) {
      if ((def.kind === "ephemeral" || def.kind === "topic") && !grouped.has(ch) && ch in values) {
        delete values[ch];
        updated.add(ch);
      }
    }
  }
  if (updated.size > 0) {
    const next = Math.max(0, ...Object.values(cp.channelVersions)) + 1;
    for (const ch of updated) cp.channelVersions[ch] = next;
  }
  return { checkpoint: cp, updated };
}

/** A checkpoint with no channels (the base of a fresh thread). Its `id`/`ts` are placeholders. */
export function emptyCheckpoint(): Checkpoint {
  return {
    v: 4,
    id: "00000000-0000-0000-0000-000000000000",
    ts: new Date(0).toISOString(),
    channelValues: {},
    channelVersions: {},
    versionsSeen: {},
  };
}
