/**
 * Public surface of the MongoDB store. Symbols above the divider are for the application; the ones below are
 * building blocks exported for tests and benchmarks (@private, may change).
 */

// ---- building blocks (@private) ----
export { type CheckpointDoc, fromCheckpointDoc, toCheckpointDoc } from "./checkpoint-docs.js";
export { createMongoCheckpointStore, MAX_DOCUMENT_BYTES } from "./checkpoints.js";
export { durableClientOptions } from "./client-options.js";
export { COLLECTIONS, type CollectionNames } from "./collections.js";
export { decodeJson, encodeJson, escapeKey, unescapeKey } from "./encoding.js";
export { ensureIndexes, INDEXES } from "./indexes.js";
export {
  MIN_MONGODB_VERSION,
  MongoVersionTooOldError,
  ReplicaSetRequiredError,
  requireReplicaSet,
  requireServableMongo,
  UnsupportedMongoServerError,
} from "./server-check.js";
export {
  type ConnectedMongoStore,
  type CreateMongoStoreOptions,
  connectMongoStore,
  createMongoStore,
  type MongoStore,
} from "./store.js";
export { isTransientMongoError } from "./transient.js";
