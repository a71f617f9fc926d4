/**
 * Checkpoint metadata (docs/semantics.md §1.11).
 */
import type { CheckpointMetadata, CheckpointSource, JsonValue } from "./checkpoint.js";
import type { RunConfig } from "./types.js";

const EXCLUDED = new Set(["thread_id", "checkpoint_id", "checkpoint_ns", "checkpoint_map"]);
const RESERVED = new Set(["source", "step", "parents"]);

function isPrimitive(v: JsonValue | undefined): v is string | number | boolean | null {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/**
 * The run metadata copied into every checkpoint a run writes (docs/semantics.md §1.11): the primitive values of
 * `config.configurable` (without keys starting with `__` or `langgraph_`, nor `thread_id`, `checkpoint_id`,
 * `checkpoint_ns`, `checkpoint_map`), then of `config.metadata` and `metadata` (explicit run metadata: every
 * primitive key except `__*`; later sources win). The engine's own `source`, `step`, `parents` always win. The
 * server passes `run_id`, `thread_id`, `graph_id`, `assistant_id`, `run_attempt`… as `metadata`.
 */
export function runMetadata(
  config: RunConfig | undefined,
  metadata?: Record<string, JsonValue>,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(config?.configurable ?? {})) {
    if (k.startsWith("__") || k.startsWith("langgraph_") || EXCLUDED.has(k) || !isPrimitive(v)) continue;
    out[k] = v;
  }
  for (const source of [config?.metadata, metadata]) {
    for (const [k, v] of Object.entries(source ?? {})) {
      if (k.startsWith("__") || RESERVED.has(k) || !isPrimitive(v)) continue;
      out[k] = v;
    }
  }
  return out;
}

/** Metadata of a new checkpoint: `{...extra, source, step, parents}` (`parents` is `{}` at the root, docs/semantics.md §1.11). */
export function checkpointMetadata(
  source: CheckpointSource,
  step: number,
  extra: Record<string, JsonValue>,
  parents: Record<string, string> = {},
): CheckpointMetadata {
  return { ...extra, source, step, parents: { ...parents } };
}
