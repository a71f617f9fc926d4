/** Collection names of the Mongo store. */

/** Real collection names per logical collection. */
export interface CollectionNames {
  checkpoints: string;
  threads: string;
  runs: string;
  assistants: string;
  /** One document per assistant version (`assistants.ts`). */
  assistant_versions: string;
  /** Run stream events (`run-events.ts`). */
  run_events: string;
  /** Long-term memory store items (`items.ts`, docs/store.md). */
  store_items: string;
  /** Scheduled runs (`crons.ts`, docs/crons.md). */
  crons: string;
}

/** Default names. Pending writes live inside `checkpoints` (see `checkpoint-docs.ts`). */
export const COLLECTIONS: Readonly<CollectionNames> = {
  checkpoints: "checkpoints",
  threads: "threads",
  runs: "runs",
  assistants: "assistants",
  assistant_versions: "assistant_versions",
  run_events: "run_events",
  store_items: "store_items",
  crons: "crons",
};
