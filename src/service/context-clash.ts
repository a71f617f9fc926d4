/**
 * The rule of the Python server (langgraph-api `models/run.py`, `ops.Assistants.create/patch`): a request may set
 * `config.configurable` or `context`, not both (docs/api.md §5 `context`). Checked before anything is written.
 */
import type { JsonObject } from "../engine/index.js";
import { ContextClashError } from "./errors.js";

export { CONTEXT_CLASH_MESSAGE } from "./errors.js";

function nonEmpty(value: unknown): boolean {
  return value !== null && typeof value === "object" && Object.keys(value).length > 0;
}

/**
 * Refuses a non-empty `config.configurable` next to a non-empty `context` (either absent or `{}` is fine).
 * @throws ContextClashError
 */
export function refuseContextClash(config: JsonObject | undefined, context: JsonObject | undefined): void {
  if (nonEmpty(config?.configurable) && nonEmpty(context)) throw new ContextClashError();
}
