/**
 * Per-file MongoDB access for integration tests: the run's shared `mongod` (from global-setup), a database
 * name unique to the calling file, dropped at the end.
 */
import { randomBytes } from "node:crypto";
import { type Db, MongoClient } from "mongodb";
import { inject } from "vitest";

/** A connected client and a fresh database. `drop()` drops the database and closes the client. */
export interface TestDb {
  uri: string;
  client: MongoClient;
  db: Db;
  dbName: string;
  drop(): Promise<void>;
}

/** The shared test `mongod`'s URI. */
export function mongoUri(): string {
  return inject("mongoUri");
}

/**
 * Connects to the shared `mongod` and picks a database named `<label>_<random>` (≤ 63 bytes, MongoDB's limit).
 */
export async function openTestDb(label: string): Promise<TestDb> {
  const uri = mongoUri();
  const client = await MongoClient.connect(uri);
  const dbName = `${label.replace(/[^a-zA-Z0-9_]/g, "_").slice(0, 40)}_${randomBytes(6).toString("hex")}`;
  const db = client.db(dbName);
  return {
    uri,
    client,
    db,
    dbName,
    async drop() {
      await db.dropDatabase().catch(() => {});
      await client.close();
    },
  };
}
