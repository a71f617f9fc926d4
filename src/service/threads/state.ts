/**
 * ThreadsService, checkpointed state (docs/api.md §3, §8a–c): state at the head or at a checkpoint, state
 * update (fork), history. The graph comes from the thread's `metadata.graph_id` (set by its first run).
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  GetHistoryResponseSchema,
  type ThreadsService,
  UpdateStateResponseSchema,
} from "../../../gen/ts/loom/v1/threads_pb.js";
import {
  CheckpointNotFoundError,
  type CheckpointStore,
  emptySnapshot,
  type JsonValue,
} from "../../engine/index.js";
import type { HostedGraph } from "../../host/hosted-graph.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { ThreadRecord, ThreadStore } from "../../store/records.js";
import { checkpointToProto, jsonFromValue, objectFromStruct, snapshotToProto } from "../convert.js";
import { InvalidInputError, ThreadBusyUpdateError } from "../errors.js";
import { threadFieldsFromHead } from "../runs/outcome.js";
import { parseLimit, requireUuid } from "../validate.js";
import { fenceFirstWrite } from "./write-fence.js";

/** What the state half of ThreadsService needs. */
export interface ThreadStateDeps {
  threads: ThreadStore;
  checkpoints: CheckpointStore;
  registry: GraphRegistry;
}

type StateMethods = Pick<ServiceImpl<typeof ThreadsService>, "getState" | "updateState" | "getHistory">;

function graphOf(registry: GraphRegistry, thread: ThreadRecord): HostedGraph | undefined {
  const graphId = thread.metadata.graph_id;
  return typeof graphId === "string" && registry.has(graphId) ? registry.get(graphId) : undefined;
}

/** `before` is a checkpoint id or `{configurable: {checkpoint_id}}` (the SDK's Config form). */
function beforeId(before: JsonValue | undefined): string | undefined {
  if (before === undefined || before === null || before === "") return undefined;
  if (typeof before === "string") return requireUuid(before, "before");
  const id = (before as { configurable?: { checkpoint_id?: unknown } }).configurable?.checkpoint_id;
  if (typeof id === "string") return requireUuid(id, "before");
  throw new InvalidInputError("before must be a checkpoint id or {configurable: {checkpoint_id}}", "before");
}

/**
 * Creates the state methods; `checkpoint_ns` selects a subgraph's state, history and state update (docs/api.md §8f).
 * Errors:
 * unknown thread/checkpoint → NotFound; a `checkpoint_ns` of no subgraph → SubgraphNotFoundError (REST 400);
 * state update while a run is pending or running → ThreadBusyUpdateError (409 "Thread is busy"); unknown
 * `as_node` → NodeNotFoundError (422); state update on a thread that never ran (no graph) → InvalidInputError (422).
 */
export function createThreadState(deps: ThreadStateDeps): StateMethods {
  const { threads, checkpoints, registry } = deps;
  return {
    async getState(req) {
      const thread = await threads.get(requireUuid(req.threadId, "thread_id"));
      const id = req.checkpointId || req.checkpoint?.checkpointId || undefined;
      if (id !== undefined) requireUuid(id, "checkpoint_id");
      const graph = graphOf(registry, thread);
      if (!graph) {
        // A thread that never ran has no checkpoints: any checkpoint id names one that does not exist.
        if (id !== undefined) throw new CheckpointNotFoundError(thread.threadId, id);
        return snapshotToProto(emptySnapshot());
      }
      const checkpointNs = req.checkpoint?.checkpointNs || req.checkpointNs;
      const snapshot = await graph.getState(checkpoints, {
        threadId: thread.threadId,
        ...(id !== undefined ? { checkpointId: id } : {}),
        ...(checkpointNs ? { checkpointNs } : {}),
        ...(req.subgraphs ? { subgraphs: true } : {}),
      });
      return snapshotToProto(snapshot);
    },

    async updateState(req) {
      const thread = await threads.get(requireUuid(req.threadId, "thread_id"));
      const id = req.checkpointId || req.checkpoint?.checkpointId || undefined;
      if (id !== undefined) requireUuid(id, "checkpoint_id");
      if (thread.status === "busy") throw new ThreadBusyUpdateError(thread.threadId);
      const graph = graphOf(registry, thread);
      if (!graph) throw new InvalidInputError(`Thread ${thread.threadId} has no graph ID`, "thread_id");
      const fenced = fenceFirstWrite(checkpoints, () => threads.beginCheckpointWrite(thread.threadId));
      const ref = await graph.updateState(fenced, {
        threadId: thread.threadId,
        values: jsonFromValue(req.values) ?? null,
        ...(req.asNode !== undefined ? { asNode: req.asNode } : {}),
        ...(id !== undefined ? { checkpointId: id } : {}),
        ...(req.checkpoint?.checkpointNs ? { checkpointNs: req.checkpoint.checkpointNs } : {}),
        metadata: {
          ...(typeof thread.metadata.graph_id === "string" ? { graph_id: thread.metadata.graph_id } : {}),
        },
      });
      const head = await graph.getState(checkpoints, { threadId: thread.threadId });
      await threads.updateState(thread.threadId, threadFieldsFromHead(head));
      // The Python server's answer: the checkpoint, the same as a config's `configurable`, and its id.
      return create(UpdateStateResponseSchema, {
        checkpoint: checkpointToProto(ref),
        configurable: checkpointToProto(ref),
        checkpointId: ref.checkpointId,
      });
    },

    async getHistory(req) {
      const thread = await threads.get(requireUuid(req.threadId, "thread_id"));
      const graph = graphOf(registry, thread);
      const before = beforeId(jsonFromValue(req.before));
      const limit = parseLimit(req.limit);
      if (!graph) return create(GetHistoryResponseSchema, { states: [] });
      const states = await graph.getHistory(checkpoints, {
        threadId: thread.threadId,
        limit,
        ...(req.checkpoint?.checkpointNs ? { checkpointNs: req.checkpoint.checkpointNs } : {}),
        ...(before !== undefined ? { before } : {}),
        ...(req.metadata ? { metadata: objectFromStruct(req.metadata) } : {}),
      });
      return create(GetHistoryResponseSchema, { states: states.map(snapshotToProto) });
    },
  };
}
