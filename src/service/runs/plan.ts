/**
 * Validated run parameters → the runtime's `RunPlan`, and the resolver that rebuilds a plan from a stored run
 * (its `kwargs` are the request as received, so a run claimed by any replica executes the same way).
 */
import { fromJson } from "@bufbuild/protobuf";
import { CreateRunRequestSchema } from "../../../gen/ts/loom/v1/runs_pb.js";
import type { JsonObject, JsonValue } from "../../engine/index.js";
import type { HostedGraph } from "../../host/hosted-graph.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { RunPlan, RunResolver } from "../../runtime/types.js";
import type { AssistantRecord, AssistantStore } from "../../store/records.js";
import { resolveAssistant } from "../assistants/resolve.js";
import { type RunParams, runParamsFromProto } from "./params.js";

/** Primitive values of run metadata (checkpoint metadata keeps primitives only, docs/semantics.md §1.11). */
function primitives(o: JsonObject): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v === null || typeof v !== "object"));
}

/** The plan of a run with these parameters on `assistant`'s `graph`. */
export function planFromParams(params: RunParams, assistant: AssistantRecord, graph: HostedGraph): RunPlan {
  return {
    graph,
    options: {
      input: params.input,
      ...(params.command ? { command: params.command } : {}),
      ...(params.checkpointId !== undefined ? { checkpointId: params.checkpointId } : {}),
      ...(params.interruptBefore ? { interruptBefore: params.interruptBefore } : {}),
      ...(params.interruptAfter ? { interruptAfter: params.interruptAfter } : {}),
      config: params.config,
      streamMode: params.streamModes,
      ...(params.subgraphs ? { subgraphs: true } : {}),
      durability: params.durability,
    },
    metadata: {
      ...primitives(params.metadata),
      graph_id: assistant.graphId,
      assistant_id: assistant.assistantId,
    },
    deleteThreadAfter: params.threadId === null && !params.keepThread,
  };
}

/**
 * The resolver of stored runs: parses `run.kwargs` as a `CreateRunRequest` (`temporary: true` marks a stateless
 * run), looks the assistant up and validates again.
 * @throws AssistantNotFoundError, InvalidInputError (the run then fails with that error)
 */
export function createRunResolver(deps: {
  assistants: AssistantStore;
  registry: GraphRegistry;
}): RunResolver {
  return async (run) => {
    const stateless = run.kwargs.temporary === true;
    const req = fromJson(
      CreateRunRequestSchema,
      { ...run.kwargs, thread_id: stateless ? "" : run.threadId, assistant_id: run.assistantId },
      { ignoreUnknownFields: true },
    );
    const assistant = await resolveAssistant(deps.assistants, deps.registry, run.assistantId);
    const graph = deps.registry.get(assistant.graphId);
    const params = runParamsFromProto(req, graph, assistant, stateless);
    params.metadata = run.metadata;
    return planFromParams(params, assistant, graph);
  };
}
