/**
 * Run events (docs/api.md §7): what a run emits to its sink as it goes. Payloads are already in the wire shape
 * (snake_case JSON) so the API layer can frame them as SSE/stream messages without reaching inside the engine.
 */
import type { CheckpointRef, JsonObject, JsonValue } from "./checkpoint.js";
import type { Message } from "./messages.js";
import { createLegacyMessages } from "./messages-legacy.js";
import type { PreparedTask } from "./prepare.js";
import type { StateSnapshot } from "./snapshot.js";
import type { Interrupt } from "./types.js";

/**
 * Stream modes the engine produces, named as a run request names them (docs/api.md §7): `messages-tuple` gives
 * `messages` events, `messages` the legacy `messages/metadata` / `messages/partial` / `messages/complete` events.
 */
export type StreamMode =
  | "values"
  | "updates"
  | "checkpoints"
  | "tasks"
  | "debug"
  | "custom"
  | "messages-tuple"
  | "messages";

/** Every stream mode the engine produces. */
export const STREAM_MODES: readonly StreamMode[] = [
  "values",
  "updates",
  "checkpoints",
  "tasks",
  "debug",
  "custom",
  "messages-tuple",
  "messages",
];

/**
 * The name of an event (the SSE `event:` name): the stream mode, except for the message modes: `messages`
 * (`[chunk, metadata]`, from `messages-tuple`) and `messages/metadata` | `messages/partial` |
 * `messages/complete` (from `messages`).
 */
export type RunEventName = StreamMode | "messages/metadata" | "messages/partial" | "messages/complete";

/**
 * One event.
 * - `values`: full state after the input step and after each super-step (and once at the start of a resume);
 *   on a dynamic interrupt an extra `{...state, __interrupt__: [...]}` (Python shape).
 * - `updates`: `{<node>: <update or null>}` per finished task (hidden `__start__` excluded); on an interrupt
 *   `{__interrupt__: [...]}` (`[]` for a static breakpoint, as the JS server).
 * - `checkpoints`: the checkpoint payload (see `checkpointPayload`) for every checkpoint the run writes.
 * - `tasks`: task start `{id, name, input, triggers, interrupts}` and result `{id, name, result, error, interrupts}`.
 * - `debug`: `{step, type: "checkpoint"|"task"|"task_result", timestamp, payload}` wrapping the two above.
 * - `custom`: whatever nodes pass to `ctx.writer`.
 * - `messages` (mode `messages-tuple`): `[message, metadata]` for every chunk a node streams
 *   (`ctx.streamMessage`) and for every message a node writes to a messages key that was neither streamed nor
 *   in its input; metadata is the run metadata plus `tags`, `name`, `langgraph_step`, `langgraph_node`,
 *   `langgraph_triggers`, `langgraph_path`, `langgraph_checkpoint_ns`, `checkpoint_ns` (LangGraph's).
 * - `messages/metadata` `{<id>: {metadata}}` on a streamed message's first chunk, `messages/partial`
 *   `[<chunks so far, merged>]` on each chunk, `messages/complete` `[<messages>]` for the messages of a `values`
 *   event's `messages` key not completed before (mode `messages`, the LangGraph.js server's rules).
 */
export interface RunEvent {
  mode: RunEventName;
  data: JsonValue;
  /**
   * Set on events of a subgraph (runs with `subgraphs: true`): its namespace, `"<node>:<task_id>"` (nested levels
   * joined with `|`); the server names such events `<mode>|<ns>`.
   */
  ns?: string;
}

/** Receives events synchronously, in order. It must not throw. */
export type EventSink = (event: RunEvent) => void;

/** Wire shape of a checkpoint ref. */
export function checkpointRefJson(ref: CheckpointRef | null): JsonValue {
  return ref
    ? {
        thread_id: ref.threadId,
        checkpoint_ns: ref.checkpointNs,
        checkpoint_id: ref.checkpointId,
        checkpoint_map: null,
      }
    : null;
}

function configJson(ref: CheckpointRef | null): JsonValue {
  return ref
    ? {
        configurable: {
          thread_id: ref.threadId,
          checkpoint_ns: ref.checkpointNs,
          checkpoint_id: ref.checkpointId,
        },
      }
    : null;
}

/** Wire shape of an interrupt: `{id, value, ns, when, resumable}` (events, thread documents, wait bodies). */
export function interruptJson(i: Interrupt): JsonObject {
  return { id: i.id, value: i.value, ns: i.ns, when: i.when, resumable: i.resumable };
}

/** {@link interruptJson} of each. */
export function interruptsJson(interrupts: readonly Interrupt[]): JsonObject[] {
  return interrupts.map(interruptJson);
}

/**
 * The `checkpoints` payload (docs/api.md §7): `{config, parent_config, values, metadata, next,
 * tasks: [{id, name, path, error, interrupts, checkpoint, result}], checkpoint, parent_checkpoint}`.
 */
export function checkpointPayload(snapshot: StateSnapshot): JsonValue {
  return {
    config: configJson(snapshot.checkpoint),
    parent_config: configJson(snapshot.parentCheckpoint),
    values: snapshot.values,
    metadata: snapshot.metadata,
    next: snapshot.next,
    tasks: snapshot.tasks.map((t) => ({
      id: t.id,
      name: t.name,
      path: t.path,
      error: t.error,
      interrupts: interruptsJson(t.interrupts),
      checkpoint: t.checkpoint
        ? { thread_id: t.checkpoint.threadId, checkpoint_ns: t.checkpoint.checkpointNs }
        : null,
      result: t.result,
    })),
    checkpoint: checkpointRefJson(snapshot.checkpoint),
    parent_checkpoint: checkpointRefJson(snapshot.parentCheckpoint),
  };
}

/** The `tasks` start payload: `{id, name, input, triggers, interrupts: []}`. */
export function taskPayload(task: PreparedTask): JsonValue {
  return { id: task.id, name: task.name, input: task.input, triggers: [...task.triggers], interrupts: [] };
}

/** The `tasks` result payload: `{id, name, result, error, interrupts}`. */
export function taskResultPayload(
  task: PreparedTask,
  result: Record<string, JsonValue> | null,
  error: string | null,
  interrupts: readonly Interrupt[],
): JsonValue {
  return { id: task.id, name: task.name, result, error, interrupts: interruptsJson(interrupts) };
}

/** Emits to a sink, only for the requested modes. */
export interface Emitter {
  wants(mode: StreamMode): boolean;
  /** Emits an event of `mode` (not a message mode); a `values` event also feeds the legacy `messages` mode. */
  emit(mode: Exclude<StreamMode, "messages-tuple" | "messages">, data: JsonValue): void;
  /** Emits a message chunk or complete message with its metadata (modes `messages-tuple` and `messages`). */
  message(message: Message, metadata: JsonObject, chunk: boolean): void;
  /** Emits `payload` as `mode` (`checkpoints`/`tasks`) and wrapped as `debug` `{step, type, timestamp, payload}`. */
  emitWithDebug(mode: "checkpoints" | "tasks", step: number, type: string, payload: () => JsonValue): void;
}

/** An emitter over `sink` for `modes` (@default every mode); a no-op without a sink. */
export function createEmitter(
  sink: EventSink | undefined,
  modes: readonly StreamMode[] = STREAM_MODES,
): Emitter {
  const wanted = new Set(sink ? modes : []);
  const legacy =
    sink && wanted.has("messages") ? createLegacyMessages((mode, data) => sink({ mode, data })) : undefined;
  return {
    wants: (mode) => wanted.has(mode),
    emit: (mode, data) => {
      if (sink && wanted.has(mode)) sink({ mode, data });
      if (legacy && mode === "values") legacy.values(data);
    },
    message(message, metadata, chunk) {
      if (sink && wanted.has("messages-tuple")) sink({ mode: "messages", data: [message, metadata] });
      if (legacy && chunk) legacy.chunk(message, metadata);
    },
    emitWithDebug(mode, step, type, payload) {
      if (!sink || (!wanted.has(mode) && !wanted.has("debug"))) return;
      const data = payload();
      if (wanted.has(mode)) sink({ mode, data });
      if (wanted.has("debug"))
        sink({ mode: "debug", data: { step, type, timestamp: new Date().toISOString(), payload: data } });
    },
  };
}
