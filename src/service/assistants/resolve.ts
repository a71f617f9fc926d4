/**
 * System assistants and assistant-id resolution (DESIGN.md "Assistants", docs/api.md §1): every registered
 * graph has an assistant with id `uuid5(graph_id, 6ba7b821-9dad-11d1-80b4-00c04fd430c8)`, `name` = graph id and
 * `metadata.created_by = "system"`; wherever an `assistant_id` is accepted, a graph id is accepted too.
 */
import { validate as isUuid, v5 as uuidv5 } from "uuid";
import type { GraphRegistry } from "../../registry/registry.js";
import { GraphNotFoundError } from "../../registry/registry.js";
import { AssistantNotFoundError } from "../../store/errors.js";
import type { AssistantRecord, AssistantStore } from "../../store/records.js";

/** The namespace LangGraph hashes graph ids under (the RFC 4122 URL namespace). */
export const SYSTEM_ASSISTANT_NAMESPACE = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

/** Id of the system assistant of `graphId`, e.g. `agent` → `fe096781-5601-53d2-b2f6-0d3403f7e9ca`. */
export function systemAssistantId(graphId: string): string {
  return uuidv5(graphId, SYSTEM_ASSISTANT_NAMESPACE);
}

/**
 * Creates the system assistant of every registered graph that does not have one yet (idempotent; run at
 * start-up). Existing assistants are left unchanged.
 */
export async function ensureSystemAssistants(
  assistants: AssistantStore,
  registry: GraphRegistry,
): Promise<void> {
  for (const graphId of registry.ids()) {
    await assistants.create(
      {
        assistantId: systemAssistantId(graphId),
        graphId,
        name: graphId,
        metadata: { created_by: "system" },
        config: {},
        context: {},
      },
      { ifExists: "do_nothing" },
    );
  }
}

/**
 * The assistant named by `idOrGraph`: a registered graph id maps to its system assistant, a UUID is looked up.
 * @throws GraphNotFoundError (404, "No assistant found for ...") when it is neither a known assistant nor a graph.
 */
export async function resolveAssistant(
  assistants: AssistantStore,
  registry: GraphRegistry,
  idOrGraph: string,
): Promise<AssistantRecord> {
  const id = registry.has(idOrGraph) ? systemAssistantId(idOrGraph) : idOrGraph;
  if (!isUuid(id)) throw new GraphNotFoundError(idOrGraph);
  try {
    return await assistants.get(id);
  } catch (error) {
    if (error instanceof AssistantNotFoundError) throw new GraphNotFoundError(idOrGraph);
    throw error;
  }
}
