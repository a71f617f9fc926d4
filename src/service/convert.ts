/**
 * Domain ⇄ proto conversion at the service boundary (style.md habit 4). Records and snapshots are camelCase
 * domain data; proto messages carry the LangGraph wire shapes. Proto types go no further than this layer.
 */
import { create, fromJson, type JsonObject as PbJsonObject, toJson } from "@bufbuild/protobuf";
import { ListValueSchema, timestampFromDate, type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Assistant } from "../../gen/ts/loom/v1/assistants_pb.js";
import { AssistantSchema } from "../../gen/ts/loom/v1/assistants_pb.js";
import { type Run, RunSchema } from "../../gen/ts/loom/v1/runs_pb.js";
import { type Thread, ThreadSchema } from "../../gen/ts/loom/v1/threads_pb.js";
import {
  type Checkpoint,
  CheckpointSchema,
  type Interrupt,
  InterruptSchema,
  type ThreadState,
  ThreadStateSchema,
  ThreadTaskSchema,
} from "../../gen/ts/loom/v1/types_pb.js";
import type {
  CheckpointRef,
  Interrupt as DomainInterrupt,
  JsonObject,
  JsonValue,
  StateSnapshot,
} from "../engine/index.js";
import type { AssistantRecord, RunRecord, ThreadRecord } from "../store/records.js";

/** A `google.protobuf.Value` as plain JSON; an unset field is `undefined`. */
export function jsonFromValue(value: Value | undefined): JsonValue | undefined {
  return value === undefined ? undefined : (toJson(ValueSchema, value) as JsonValue);
}

/** Plain JSON as a `google.protobuf.Value` (`null` → NullValue). */
export function valueFromJson(json: JsonValue): Value {
  return fromJson(ValueSchema, json);
}

/** A Struct field (plain object in protobuf-es) as a domain object; unset → `{}`. */
export function objectFromStruct(struct: PbJsonObject | undefined): JsonObject {
  return (struct ?? {}) as JsonObject;
}

/** A domain checkpoint ref as the `Checkpoint` message; `null` → unset. */
export function checkpointToProto(ref: CheckpointRef | null): Checkpoint | undefined {
  if (!ref) return undefined;
  return create(CheckpointSchema, {
    threadId: ref.threadId,
    checkpointNs: ref.checkpointNs,
    checkpointId: ref.checkpointId,
  });
}

/** A domain interrupt (or its stored JSON form) as the `Interrupt` message. */
export function interruptToProto(i: DomainInterrupt | JsonObject): Interrupt {
  const o = i as Record<string, JsonValue>;
  return create(InterruptSchema, {
    id: String(o.id ?? ""),
    value: valueFromJson(o.value ?? null),
    ns: Array.isArray(o.ns) ? o.ns.map(String) : [],
    when: typeof o.when === "string" ? o.when : "during",
    resumable: o.resumable !== false,
  });
}

/** A state snapshot as `ThreadState` (docs/api.md §4). */
export function snapshotToProto(s: StateSnapshot): ThreadState {
  return create(ThreadStateSchema, {
    values: s.values as PbJsonObject,
    next: s.next,
    tasks: s.tasks.map((t) =>
      create(ThreadTaskSchema, {
        id: t.id,
        name: t.name,
        path: fromJson(ListValueSchema, t.path),
        ...(t.error !== null ? { error: t.error } : {}),
        interrupts: t.interrupts.map(interruptToProto),
        ...(t.result !== null ? { result: valueFromJson(t.result) } : {}),
        // A subgraph task names its namespace, and carries its state when asked for (`subgraphs=true`).
        ...(t.checkpoint
          ? { checkpoint: create(CheckpointSchema, { ...t.checkpoint, checkpointId: "" }) }
          : {}),
        ...(t.state ? { state: snapshotToProto(t.state) } : {}),
      }),
    ),
    checkpoint: checkpointToProto(s.checkpoint),
    parentCheckpoint: checkpointToProto(s.parentCheckpoint),
    ...(s.metadata ? { metadata: s.metadata as PbJsonObject } : {}),
    ...(s.createdAt ? { createdAt: timestampFromDate(new Date(s.createdAt)) } : {}),
    interrupts: s.interrupts.map(interruptToProto),
    ...(s.checkpoint ? { checkpointId: s.checkpoint.checkpointId } : {}),
    ...(s.parentCheckpoint ? { parentCheckpointId: s.parentCheckpoint.checkpointId } : {}),
  });
}

/** A thread record as `Thread`. */
export function threadToProto(t: ThreadRecord): Thread {
  return create(ThreadSchema, {
    threadId: t.threadId,
    createdAt: timestampFromDate(t.createdAt),
    updatedAt: timestampFromDate(t.updatedAt),
    metadata: t.metadata as PbJsonObject,
    status: t.status,
    config: t.config as PbJsonObject,
    ...(t.values ? { values: t.values as PbJsonObject } : {}),
    interrupts: t.interrupts as unknown as PbJsonObject,
    ...(t.error !== null ? { error: valueFromJson(t.error) } : {}),
    ...(t.ttl
      ? {
          ttl: {
            strategy: t.ttl.strategy,
            ttlMinutes: t.ttl.ttlMinutes,
            expiresAt: timestampFromDate(t.ttl.expiresAt),
          },
        }
      : {}),
  });
}

/** A run record as `Run`. */
export function runToProto(r: RunRecord): Run {
  return create(RunSchema, {
    runId: r.runId,
    threadId: r.threadId,
    assistantId: r.assistantId,
    createdAt: timestampFromDate(r.createdAt),
    updatedAt: timestampFromDate(r.updatedAt),
    status: r.status,
    metadata: r.metadata as PbJsonObject,
    kwargs: r.kwargs as PbJsonObject,
    multitaskStrategy: r.multitaskStrategy,
  });
}

/** An assistant record as `Assistant`. */
export function assistantToProto(a: AssistantRecord): Assistant {
  return create(AssistantSchema, {
    assistantId: a.assistantId,
    graphId: a.graphId,
    config: a.config as PbJsonObject,
    context: a.context as PbJsonObject,
    createdAt: timestampFromDate(a.createdAt),
    updatedAt: timestampFromDate(a.updatedAt),
    metadata: a.metadata as PbJsonObject,
    version: a.version,
    name: a.name,
    ...(a.description !== null ? { description: a.description } : {}),
  });
}
