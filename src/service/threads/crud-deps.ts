/** What the thread-record handlers of ThreadsService need (`crud.ts`, `create.ts`, `copy.ts`, `search.ts`). */
import type { CheckpointStore } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { ThreadStore } from "../../store/records.js";

/** What the thread-record half of ThreadsService needs. */
export interface ThreadCrudDeps {
  threads: ThreadStore;
  checkpoints: CheckpointStore;
  registry: GraphRegistry;
  /**
   * Copies every checkpoint of a thread into another in one server-side step (the MongoDB store's
   * `copyThreadCheckpoints`). Default: read and re-put them one by one through `checkpoints`.
   */
  copyThreadCheckpoints?: (sourceThreadId: string, targetThreadId: string) => Promise<void>;
}
