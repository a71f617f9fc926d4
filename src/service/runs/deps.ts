/** What the runs service and its handlers need. */
import type { CheckpointStore } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { RunRuntime } from "../../runtime/runtime.js";
import type { AssistantStore, RunStore, ThreadStore } from "../../store/records.js";

/** The stores, the graph registry and the runtime the RunsService handlers call. */
export interface RunsServiceDeps {
  threads: ThreadStore;
  runs: RunStore;
  assistants: AssistantStore;
  checkpoints: CheckpointStore;
  registry: GraphRegistry;
  runtime: RunRuntime;
}
