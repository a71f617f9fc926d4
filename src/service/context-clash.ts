/**
 * The rule of the Python server (langgraph-api `models/run.py`, `ops.Assistants.create/patch`): a request may set
 * `config.configurable` or `context`, not both (docs/api.md §5 `context`). Checked before anything is written.
 */
import type { JsonObject } from "../engine/index.js";
import { InvalidInputError } from "./errors.js";

/** The Python server's message, word for word (clients match on it). */
export const CONTEXT_CLASH_MESSAGE =
  "Cannot specify both configurable and context. Prefer setting context alone. Context was introduced in " +
  "LangGraph 0.6.0 and is the long term planned replacement for configurable.";

/** A request with both `config.configurable` and `context`: REST 400 (the Python server's status), Connect InvalidArgument. */
export class ContextClashError extends InvalidInputError {
  /** The REST status (InvalidArgument is 422 otherwise). */
  readonly restStatus = 400;
  constructor() {
    super(CONTEXT_CLASH_MESSAGE, "context");
  }
}

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
