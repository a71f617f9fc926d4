/**
 * The `checkpoints` collection's document shape and the conversions to and from the engine's types.
 *
 * One document per checkpoint, readable in the Mongo shell:
 * ```
 * { _id: ObjectId, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id: string|null,
 *   step: int, source: "input"|"loop"|"update"|"fork", created_at: Date, v: 4, ts: "<ISO>",
 *   values: {<channel>: <native BSON value>}, channel_versions: {...}, versions_seen: {...}, metadata: {...},
 *   writes: {"<task_id>:<idx>": {task_id, task_path, idx, channel, value}},
 *   escaped?: ["values", ...] }
 * ```
 * `step`/`source` mirror `metadata.step`/`metadata.source` so history filters on them use an index. Pending writes
 * are embedded: a super-step is one `update` command and a history page one `find` (a separate collection measured
 * 1.5× slower per step and 1.6× slower per history(10) page, `npm run bench:store` section (e)).
 * `escaped` lists the fields (or `writes` entries, with their own `escaped: true`) holding escaped keys/strings
 * (see `encoding.ts`); absent means every field is stored verbatim.
 */
import type { ObjectId } from "mongodb";
import type {
  ChannelVersions,
  CheckpointMetadata,
  CheckpointTuple,
  JsonValue,
  PendingWrite,
} from "../../engine/checkpoint.js";
import type { PutCheckpointInput } from "../../engine/store.js";
import { decodeJson, encodeJson, escapeKey } from "./encoding.js";

/** A stored pending write. */
export interface WriteDoc {
  task_id: string;
  task_path: string;
  idx: number;
  channel: string;
  value: unknown;
  /** `channel`/`value` are escaped (see `encoding.ts`). */
  escaped?: true;
}

/** A stored checkpoint (see module doc). */
export interface CheckpointDoc {
  _id?: ObjectId;
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  step: number;
  source: string;
  created_at: Date;
  v: 4;
  ts: string;
  values: Record<string, unknown>;
  channel_versions: Record<string, unknown>;
  versions_seen: Record<string, unknown>;
  metadata: Record<string, unknown>;
  writes: Record<string, WriteDoc>;
  escaped?: string[];
  /** The run fence (see module doc): `metadata.run_id` of an `input`/`loop`/`fork` checkpoint. */
  run_id?: string;
}

/** Sources of the checkpoints a run writes as it goes, fenced per run by `one_child_per_run` (see module doc). */
export const RUN_FENCED_SOURCES: ReadonlySet<string> = new Set(["input", "loop", "fork"]);

const ENCODED_FIELDS = ["values", "channel_versions", "versions_seen", "metadata"] as const;

/** Key of a write inside `writes`: `"<task_id>:<idx>"`, escaped so it is a plain path segment. */
export function writeKey(taskId: string, idx: number): string {
  return escapeKey(`${taskId}:${idx}`);
}

/** Converts a pending write to its stored shape. */
export function toWriteDoc(write: PendingWrite): WriteDoc {
  const channel = encodeJson(write.channel);
  const value = encodeJson(write.value);
  const doc: WriteDoc = {
    task_id: write.taskId,
    task_path: write.taskPath,
    idx: write.idx,
    channel: channel.value as string,
    value: value.value,
  };
  if (channel.escaped || value.escaped) doc.escaped = true;
  return doc;
}

function fromWriteDoc(doc: WriteDoc): PendingWrite {
  return {
    taskId: doc.task_id,
    taskPath: doc.task_path,
    idx: doc.idx,
    channel: doc.escaped ? (decodeJson(doc.channel) as string) : doc.channel,
    value: (doc.escaped ? decodeJson(doc.value) : doc.value) as JsonValue,
  };
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders writes by `(taskPath, taskId, idx)` (docs/semantics.md §1.13, §9), strings by UTF-16 code units. */
export function compareWrites(a: PendingWrite, b: PendingWrite): number {
  return compare(a.taskPath, b.taskPath) || compare(a.taskId, b.taskId) || compare(a.idx, b.idx);
}

/** Builds the document stored by `put`. `writes` starts empty. `created_at` is `checkpoint.ts`, or now if invalid. */
export function toCheckpointDoc(input: PutCheckpointInput): CheckpointDoc {
  const { checkpoint, metadata } = input;
  const encoded = {
    values: encodeJson(checkpoint.channelValues),
    channel_versions: encodeJson(checkpoint.channelVersions),
    versions_seen: encodeJson(checkpoint.versionsSeen),
    metadata: encodeJson(metadata as Record<string, JsonValue>),
  };
  const created = new Date(checkpoint.ts);
  const doc: CheckpointDoc = {
    thread_id: input.threadId,
    checkpoint_ns: input.checkpointNs,
    checkpoint_id: checkpoint.id,
    parent_checkpoint_id: input.parentCheckpointId,
    step: metadata.step,
    source: metadata.source,
    created_at: Number.isNaN(created.getTime()) ? new Date() : created,
    v: 4,
    ts: checkpoint.ts,
    values: encoded.values.value as Record<string, unknown>,
    channel_versions: encoded.channel_versions.value as Record<string, unknown>,
    versions_seen: encoded.versions_seen.value as Record<string, unknown>,
    metadata: encoded.metadata.value as Record<string, unknown>,
    writes: {},
  };
  const escaped = ENCODED_FIELDS.filter((field) => encoded[field].escaped);
  if (escaped.length > 0) doc.escaped = escaped;
  const runId = metadata.run_id;
  if (typeof runId === "string" && RUN_FENCED_SOURCES.has(metadata.source)) doc.run_id = runId;
  return doc;
}

function field(doc: CheckpointDoc, name: (typeof ENCODED_FIELDS)[number]): unknown {
  return doc.escaped?.includes(name) ? decodeJson(doc[name]) : doc[name];
}

/** Converts a stored document back to the engine's tuple; pending writes ordered by `compareWrites`. */
export function fromCheckpointDoc(doc: CheckpointDoc): CheckpointTuple {
  const pendingWrites = Object.values(doc.writes ?? {})
    .map(fromWriteDoc)
    .sort(compareWrites);
  return {
    threadId: doc.thread_id,
    checkpointNs: doc.checkpoint_ns,
    checkpoint: {
      v: 4,
      id: doc.checkpoint_id,
      ts: doc.ts,
      channelValues: field(doc, "values") as Record<string, JsonValue>,
      channelVersions: field(doc, "channel_versions") as ChannelVersions,
      versionsSeen: field(doc, "versions_seen") as Record<string, ChannelVersions>,
    },
    metadata: field(doc, "metadata") as CheckpointMetadata,
    parentCheckpointId: doc.parent_checkpoint_id ?? null,
    pendingWrites,
  };
}
