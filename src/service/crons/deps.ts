/** What the crons service and its handlers need. */
import type { GraphRegistry } from "../../registry/registry.js";
import type { CronStore } from "../../store/cron-store.js";
import type { AssistantStore, ThreadStore } from "../../store/records.js";

/** The stores and the graph registry the CronsService handlers call. */
export interface CronsServiceDeps {
  crons: CronStore;
  threads: ThreadStore;
  assistants: AssistantStore;
  registry: GraphRegistry;
}
