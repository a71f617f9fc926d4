/**
 * `extract` on searches (docs/api.md §3 "extract", after langgraph-api's `utils/extract.py`): `{alias: path}`,
 * each path a root field then `.key` and `[index]` steps (`values.messages[-1].content`; a negative index counts
 * from the end). The values are read from each result in memory, so nothing of the client's paths reaches a
 * MongoDB query. A path that resolves to nothing gives `null`.
 */
import type { JsonObject, JsonValue } from "../engine/index.js";
import { InvalidInputError } from "./errors.js";

/** At most this many paths per request (langgraph-api `MAX_EXTRACT_PATHS`). */
export const MAX_EXTRACT_PATHS = 10;

const ALIAS = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const STEP = /^(?:\.([^.[\]]+)|\[(-?\d+)\])/;

/** One parsed path: its root field and its steps (a key or a list index). */
export interface ExtractPath {
  alias: string;
  root: string;
  steps: Array<string | number>;
}

/**
 * Checks `extract` and parses its paths; empty → `[]`.
 * @param roots the fields a path may start with (e.g. values, metadata, config, interrupts)
 * @param reserved names an alias may not take (the result's own field names)
 * @throws InvalidInputError (field `extract` or `extract.<alias>`) for too many paths, a bad or reserved alias,
 *   an empty or malformed path, or an unknown root
 */
export function parseExtract(
  extract: Readonly<Record<string, string>>,
  roots: readonly string[],
  reserved: readonly string[],
): ExtractPath[] {
  const entries = Object.entries(extract);
  if (entries.length > MAX_EXTRACT_PATHS) {
    throw new InvalidInputError(
      `Maximum of ${MAX_EXTRACT_PATHS} extract paths allowed, got ${entries.length}`,
      "extract",
    );
  }
  const taken = entries.map(([alias]) => alias).filter((alias) => reserved.includes(alias));
  if (taken.length > 0) {
    throw new InvalidInputError(
      `Extract keys cannot use reserved field names: ${JSON.stringify(taken.sort())}`,
      "extract",
    );
  }
  return entries.map(([alias, path]) => {
    const field = `extract.${alias}`;
    if (!ALIAS.test(alias)) {
      throw new InvalidInputError(
        `Extract key '${alias}' must be a valid identifier (letters, digits, underscores)`,
        field,
      );
    }
    if (path === "")
      throw new InvalidInputError(`Extract path for '${alias}' must be a non-empty string`, field);
    const root = path.split(/[.[]/, 1)[0] as string;
    if (!roots.includes(root)) {
      throw new InvalidInputError(
        `Extract path '${path}' must start with one of: ${[...roots].sort().join(", ")}`,
        field,
      );
    }
    const steps: Array<string | number> = [];
    for (let rest = path.slice(root.length); rest !== ""; ) {
      const m = STEP.exec(rest);
      if (!m) throw new InvalidInputError(`Extract path '${path}' is malformed at '${rest}'`, field);
      steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
      rest = rest.slice(m[0].length);
    }
    return { alias, root, steps };
  });
}

/** Follows one path through `item` (a result as JSON); `null` when a step finds nothing. */
function follow(item: JsonObject, path: ExtractPath): JsonValue {
  let current: JsonValue | undefined = item[path.root];
  for (const step of path.steps) {
    if (current === null || current === undefined) return null;
    if (typeof step === "number") {
      if (!Array.isArray(current)) return null;
      current = current[step < 0 ? current.length + step : step];
    } else {
      // As langgraph-api: private names are never read.
      if (step.startsWith("_") || typeof current !== "object" || Array.isArray(current)) return null;
      current = Object.hasOwn(current, step) ? current[step] : undefined;
    }
  }
  return current ?? null;
}

/** The `extracted` object of one result: `{alias: value}`. */
export function extractValues(item: JsonObject, paths: readonly ExtractPath[]): JsonObject {
  return Object.fromEntries(paths.map((p) => [p.alias, follow(item, p)]));
}
