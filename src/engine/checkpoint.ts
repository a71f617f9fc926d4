/**
 * Checkpoint data model shared by the engine and every store (docs/semantics.md §1.7, §1.11, §1.13).
 *
 * These are plain domain types: no proto, no BSON. Values held in channels are JSON values
 * (`JsonValue`); a store must round-trip them exactly.
 */

/** Any JSON value. Channel values, metadata values, interrupt values and resume values are all JSON. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Channel versions: channel name → version. Versions are integers that work as a per-thread logical clock;
 * only `>` comparisons are meaningful (docs/semantics.md §1.5, §1.8).
 */
export type ChannelVersions = Record<string, number>;

/**
 * One checkpoint: the full channel state after a super-step (docs/semantics.md §1.7).
 *
 * - `v`: format version, always 4.
 * - `id`: time-ordered checkpoint id, strictly greater (as a string) than its parent's (docs/semantics.md §8).
 * - `ts`: ISO-8601 creation time.
 * - `channelValues`: every channel with a value, state keys and internal channels alike
 *   (`__start__`, `branch:to:<node>`, `join:<a>+<b>:<node>`, `__pregel_tasks`; docs/semantics.md §1.2).
 * - `channelVersions`: channel → current version.
 * - `versionsSeen`: node name (or `__interrupt__`, docs/semantics.md §2.1) → the channel versions it has consumed.
 */
export interface Checkpoint {
  v: 4;
  id: string;
  ts: string;
  channelValues: Record<string, JsonValue>;
  channelVersions: ChannelVersions;
  versionsSeen: Record<string, ChannelVersions>;
}

/** How a checkpoint came to be (docs/semantics.md §1.11). */
export type CheckpointSource = "input" | "loop" | "update" | "fork";

/**
 * Checkpoint metadata (docs/semantics.md §1.11): `source`, `step` (−1 for an input checkpoint on a fresh thread),
 * `parents` (namespace → parent-graph checkpoint id, `{}` at the root), plus primitive run metadata such as
 * `run_id`, `graph_id`, `assistant_id`. Keys are snake_case as the LangGraph API shows them.
 */
export interface CheckpointMetadata {
  source: CheckpointSource;
  step: number;
  parents: Record<string, string>;
  [key: string]: JsonValue;
}

/** Identifies one checkpoint. `checkpointNs` is `""` for the root graph. */
export interface CheckpointRef {
  threadId: string;
  checkpointNs: string;
  checkpointId: string;
}

/**
 * A pending write: one value a task wrote to one channel, stored against the checkpoint that was the
 * input of the task's step (docs/semantics.md §1.13).
 *
 * - `taskId`: deterministic task id (docs/semantics.md §1.15), or `NULL_TASK_ID` for writes from a `Command`.
 * - `taskPath`: the task's path joined as a string, used for the read-back order; `""` for the null task.
 * - `idx`: position of the write within the task's writes, or a fixed negative index for the special
 *   channels (`__error__` −1, `__scheduled__` −2, `__interrupt__` −3, `__resume__` −4).
 */
export interface PendingWrite {
  taskId: string;
  taskPath: string;
  idx: number;
  channel: string;
  value: JsonValue;
}

/** Task id used for writes that come from a `Command` rather than from a node (docs/semantics.md §1.13). */
export const NULL_TASK_ID = "00000000-0000-0000-0000-000000000000";

/** Fixed `idx` values of writes to special channels (docs/semantics.md §1.13). */
export const SPECIAL_WRITE_IDX: Readonly<Record<string, number>> = {
  __error__: -1,
  __scheduled__: -2,
  __interrupt__: -3,
  __resume__: -4,
};

/** A checkpoint as stored: the checkpoint, where it sits, its metadata, parent link and pending writes. */
export interface CheckpointTuple {
  threadId: string;
  checkpointNs: string;
  checkpoint: Checkpoint;
  metadata: CheckpointMetadata;
  /** Id of the checkpoint this one was derived from; `null` for the first checkpoint of a branch root. */
  parentCheckpointId: string | null;
  /** Pending writes stored against this checkpoint, ordered by `(taskPath, taskId, idx)`. */
  pendingWrites: PendingWrite[];
}
