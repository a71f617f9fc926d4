/** Checking, before a cron is written, the run each of its ticks would create. */
import { resolveAssistant } from "../assistants/resolve.js";
import { runParamsFromProto } from "../runs/params.js";
import type { CronsServiceDeps } from "./deps.js";
import { type CronRun, runRequestOf } from "./payload.js";

/**
 * Validates the run each tick would create, by the runs service's own rules (`runParamsFromProto`) against the
 * assistant's graph; writes nothing.
 * @throws AssistantNotFoundError, InvalidInputError and the other refusals of `runParamsFromProto`
 */
export async function checkCronRun(
  { assistants, registry }: Pick<CronsServiceDeps, "assistants" | "registry">,
  cron: CronRun,
): Promise<void> {
  const assistant = await resolveAssistant(assistants, registry, cron.assistantId);
  runParamsFromProto(runRequestOf(cron), registry.get(assistant.graphId), assistant, cron.threadId === null);
}
