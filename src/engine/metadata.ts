/**
 * Checkpoint metadata (engine-semantics §1.11).
 */
import type { CheckpointMetadata, CheckpointSource, JsonValue } from "./checkpoint.js";
import type { RunConfig } from "./types.js";

const EXCLUDED = new Set(["thread_id", "checkpoint_id", "checkpoint_ns", "checkpoint_map"]);

function isPrimitive(v: JsonValue | undefined): v is string | number | boolean | null {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/**
 * The run metadata copied into every checkpoint a run writes (§1.11): the primitive values of
 * `config.configurable`, `config.metadata` and `metadata` (later ones win), without keys starting with `__` or
 * `langgraph_`, nor `thread_id`, `checkpoint_id`, `checkpoint_ns`, `checkpoint_map`, nor the engine's own
 * `source`, `step`, `parents`. The server passes `run_id`, `graph_id`, `assistant_id`, `user_id`… here.
 */
export function runMetadata(
  config: RunConfig | undefined,
  metadata?: Record<string, JsonValue>,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const source of [config?.configurable, config?.metadata, metadata]) {
    for (const [k, v] of Object.entries(source ?? {})) {
      if (k.startsWith("__") || k.startsWith("langgraph_") || EXCLUDED.has(k)) continue;
      if (k === "source" || k === "step" || k === "parents") continue;
      if (isPrimitive(v)) out[k] = v;
    }
  }
  return out;
}

/** Metadata of a new root-graph checkpoint: `{...extra, source, step, parents: {}}`. */
export function checkpointMetadata(
  source: CheckpointSource,
  step: number,
  extra: Record<string, JsonValue>,
): CheckpointMetadata {
  return { ...extra, source, step, parents: {} };
}
