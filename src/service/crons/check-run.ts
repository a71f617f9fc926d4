/** Checking, before a cron is written, the run each of its ticks would create. */
import { resolveAssistant } from "../assistants/resolve.js";
import { runParamsFromProto } from "../runs/params.js";
import type { CronsServiceDeps } from "./deps.js";
import { type CronRun, runRequestOf } from "./payload.js";

/**
 * Validates the run each tick would create, by the runs service's own rules (`runParamsFromProto`) against the
 * assistant's graph; writes nothing.
 * @throws AssistantNotFoundError, InvalidInputError and the other refusals of `runParamsFromProto`,
 *   InvalidContextError (the merged context fails the graph's context schema)
 */
export async function checkCronRun(
  { assistants, registry }: Pick<CronsServiceDeps, "assistants" | "registry">,
  cron: CronRun,
): Promise<void> {
  const assistant = await resolveAssistant(assistants, registry, cron.assistantId);
  const graph = registry.get(assistant.graphId);
  const params = runParamsFromProto(runRequestOf(cron), graph, assistant, cron.threadId === null);
  await graph.checkContext(params.config.context ?? {});
}
