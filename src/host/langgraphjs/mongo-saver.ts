/**
 * The LangGraph.js checkpoint saver on Loom's MongoDB store, for a LangGraph.js graph run outside Loom's server
 * (inside it the adapter builds one per run over the run's fenced store).
 *
 * ```ts
 * const saver = await createMongoSaver({ client, dbName: "loom" });
 * const graph = builder.compile({ checkpointer: saver });
 * ```
 */
import { type CreateMongoStoreOptions, createMongoStore } from "../../store/mongo/index.js";
import { LoomCheckpointSaver, type LoomSaverOptions } from "./saver.js";

/**
 * A saver writing Loom's `checkpoints` documents in `options.dbName` of `options.client`; creates the indexes if
 * missing (idempotent).
 */
export async function createMongoSaver(
  options: CreateMongoStoreOptions & LoomSaverOptions,
): Promise<LoomCheckpointSaver> {
  const store = createMongoStore(options);
  await store.ensureIndexes();
  return new LoomCheckpointSaver(store.checkpoints, options);
}
