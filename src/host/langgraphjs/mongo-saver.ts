/**
 * The LangGraph.js checkpoint saver on Loom's MongoDB store, for a LangGraph.js graph run outside Loom's server
 * (inside it the adapter builds one per run over the run's fenced store).
 *
 * ```ts
 * const saver = await createMongoSaver({ client, dbName: "loom" });
 * const graph = builder.compile({ checkpointer: saver });
 * ```
 */
import { COLLECTIONS, type CreateMongoStoreOptions, createMongoStore } from "../../store/mongo/index.js";
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
  const collection = options.client
    .db(options.dbName)
    .collection(options.collections?.checkpoints ?? COLLECTIONS.checkpoints);
  const namespaces = async (threadId: string | undefined): Promise<Array<[string, string]>> => {
    const pairs = await collection
      .aggregate<{ _id: { t: string; ns: string } }>([
        ...(threadId !== undefined ? [{ $match: { thread_id: threadId } }] : []),
        { $group: { _id: { t: "$thread_id", ns: "$checkpoint_ns" } } },
        { $sort: { "_id.t": 1, "_id.ns": 1 } },
      ])
      .toArray();
    return pairs.map((p) => [p._id.t, p._id.ns]);
  };
  return new LoomCheckpointSaver(store.checkpoints, { namespaces, ...options });
}
