/**
 * Messages of a run for the `messages-tuple` / `messages` stream modes, as LangGraph's `StreamMessagesHandler`
 * produces them: every chunk a node streams (`ctx.streamMessage`), then, when the node ends, every message it
 * wrote to a messages key that was neither streamed nor in its input (a node that does not stream still shows
 * its reply). Each comes with the task's metadata.
 */
import { randomUUID } from "node:crypto";
import type { JsonObject, JsonValue } from "./checkpoint.js";
import { PUSH } from "./constants.js";
import type { Emitter } from "./events.js";
import type { CompiledGraph } from "./graph-types.js";
import { childNamespace } from "./ids.js";
import { coerceMessage, type Message } from "./messages.js";
import type { PreparedTask } from "./prepare.js";
import type { RunConfig } from "./types.js";

/**
 * What a node may pass to `ctx.streamMessage`: a string (a token of an AI message) or a message object whose
 * fields default to an AI message chunk (`type: "ai"`, `content: ""`).
 */
export type MessageChunkLike = string | JsonObject;

/** The messages of one task. */
export interface TaskMessages {
  /** Streams a chunk; returns its message id (the task's own id when the chunk has none). */
  chunk(like: MessageChunkLike, metadata?: JsonObject): string;
  /** The task ended with this update: emits the messages it wrote that were not seen. */
  ended(update: ReadonlyArray<readonly [string, JsonValue]>): void;
}

/** Where a run's message events go and what they are tagged with. */
export interface MessageStreamOptions {
  emitter: Emitter;
  graph: CompiledGraph;
  /** Run metadata (`run_id`, `graph_id`…), the base of every event's metadata. */
  metadata: Record<string, JsonValue>;
  config: RunConfig;
  checkpointNs: string;
}

/** The messages of one run: `task(…)` gives each task its stream. Ids seen are remembered for the whole run. */
export interface MessageStream {
  task(task: PreparedTask, step: number): TaskMessages;
}

/** A chunk in the wire shape of an AI message chunk (`tool_call_chunks` default `[]`). */
function chunkMessage(like: MessageChunkLike): Message {
  const fields: JsonObject = typeof like === "string" ? { content: like } : like;
  const typed = typeof fields.type === "string" || typeof fields.role === "string";
  const m = coerceMessage(typed ? fields : { ...fields, type: "ai" });
  if (m.type === "ai" && m.tool_call_chunks === undefined) m.tool_call_chunks = [];
  return m;
}

function messagesIn(value: JsonValue | undefined): Message[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter(
    (m): m is Message => typeof m === "object" && m !== null && !Array.isArray(m) && typeof m.id === "string",
  );
}

/**
 * The message stream of a run. With neither `messages-tuple` nor `messages` wanted, `chunk` only assigns ids and
 * nothing is emitted.
 */
export function createMessageStream(options: MessageStreamOptions): MessageStream {
  const { emitter, graph } = options;
  const active = emitter.wants("messages-tuple") || emitter.wants("messages");
  const seen = new Set<string>();
  const messageKeys = graph.stateKeys.filter((k) => {
    const def = graph.channels.get(k);
    return def?.kind === "state" && def.messages === true;
  });
  return {
    task(task, step) {
      let ownId: string | undefined;
      let metadata: JsonObject | undefined;
      const taskMetadata = (): JsonObject => {
        if (metadata) return metadata;
        const ns = childNamespace(options.checkpointNs, task.name, task.id);
        metadata = {
          ...options.metadata,
          tags: [...(options.config.tags ?? [])],
          name: task.name,
          langgraph_step: step,
          langgraph_node: task.name,
          langgraph_triggers: task.triggers.length > 0 ? [...task.triggers] : [PUSH],
          langgraph_path: [...task.path],
          langgraph_checkpoint_ns: ns,
          checkpoint_ns: ns,
        };
        return metadata;
      };
      if (active && typeof task.input === "object" && task.input !== null && !Array.isArray(task.input)) {
        const input = task.input;
        for (const key of messageKeys) for (const m of messagesIn(input[key])) seen.add(m.id);
      }
      return {
        chunk(like, extra) {
          const m = chunkMessage(like);
          if (m.id === "") {
            ownId ??= randomUUID();
            m.id = ownId;
          }
          if (active) {
            seen.add(m.id);
            emitter.message(m, extra ? { ...taskMetadata(), ...extra } : taskMetadata(), true);
          }
          return m.id;
        },
        ended(update) {
          if (!active || graph.nodes.get(task.name)?.hidden) return;
          for (const [key, value] of update) {
            if (!messageKeys.includes(key)) continue;
            for (const m of messagesIn(value)) {
              if (m.type === "remove" || seen.has(m.id)) continue;
              seen.add(m.id);
              emitter.message(m, taskMetadata(), false);
            }
          }
        },
      };
    },
  };
}
