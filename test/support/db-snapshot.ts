/**
 * Reads a whole database directly (every collection, every document, sorted by `_id`) as canonical Extended
 * JSON, so a test can assert that a refused request left every document exactly as it was.
 */
import { BSON, type Db } from "mongodb";

/** One string per collection: its documents in `_id` order as relaxed-free (canonical) Extended JSON. */
export type DbSnapshot = Record<string, string>;

/** Every collection of `db` except `system.*`, each document serialized byte-exactly. */
export async function snapshotDb(db: Db): Promise<DbSnapshot> {
  const out: DbSnapshot = {};
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections.sort((a, b) => a.name.localeCompare(b.name))) {
    if (name.startsWith("system.")) continue;
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    out[name] = BSON.EJSON.stringify(docs, { relaxed: false });
  }
  return out;
}
