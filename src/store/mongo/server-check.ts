/**
 * Start-up check of the MongoDB server (spec/mongodb.md "Users with their own MongoDB"): runs, thread claims and
 * run completion use multi-document transactions and the wake-ups use change streams, which need a replica set (a
 * single-node one is enough) or a sharded cluster, on MongoDB {@link MIN_MONGODB_VERSION} or later.
 */
import type { Db } from "mongodb";
import { StoreError } from "../errors.js";

/** The oldest MongoDB server version Loom runs on (README "Configuration"; the 7.x driver refuses older ones). */
export const MIN_MONGODB_VERSION = "4.4";

/** The server cannot serve Loom; the message says what is needed. `src/main.ts` prints it and exits non-zero. */
export class UnsupportedMongoServerError extends StoreError {
  override readonly name: string = "UnsupportedMongoServerError";
}

/** The server is not a replica set member (or a mongos), so transactions and change streams cannot run. */
export class ReplicaSetRequiredError extends UnsupportedMongoServerError {
  override readonly name = "ReplicaSetRequiredError";
  constructor() {
    super(
      "MongoDB must run as a replica set (transactions and change streams are required): start mongod with " +
        "--replSet rs0 and run rs.initiate() once, or use Atlas",
    );
  }
}

/** The server is older than {@link MIN_MONGODB_VERSION}. */
export class MongoVersionTooOldError extends UnsupportedMongoServerError {
  override readonly name = "MongoVersionTooOldError";
  constructor(readonly version: string) {
    super(
      `MongoDB ${version} is too old: Loom needs MongoDB ${MIN_MONGODB_VERSION} or later (7.0 or 8.0 recommended)`,
    );
  }
}

/**
 * Whether dotted version `version` (`"6.0.5"`, `"7.0.0-rc1"`) is at least `minimum` (`"4.4"`); the numeric parts
 * are compared in order, a missing part counts as 0.
 */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (v: string) => v.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const have = parts(version);
  const need = parts(minimum);
  for (let i = 0; i < need.length; i++) {
    const h = have[i] ?? 0;
    const n = need[i] ?? 0;
    if (h !== n) return h > n;
  }
  return true;
}

/**
 * Fails fast unless the server supports transactions (replica set member or sharded cluster's mongos).
 * @throws ReplicaSetRequiredError
 */
export async function requireReplicaSet(db: Db): Promise<void> {
  const hello = await db.admin().command({ hello: 1 });
  if (typeof hello.setName === "string" || hello.msg === "isdbgrid") return;
  throw new ReplicaSetRequiredError();
}

/**
 * The start-up check of `src/main.ts`: the server's version ({@link MIN_MONGODB_VERSION} or later), then a replica
 * set (or mongos).
 * @throws MongoVersionTooOldError, ReplicaSetRequiredError
 */
export async function requireServableMongo(db: Db): Promise<void> {
  const info = await db.admin().command({ buildInfo: 1 });
  const version = typeof info.version === "string" ? info.version : "0";
  if (!versionAtLeast(version, MIN_MONGODB_VERSION)) throw new MongoVersionTooOldError(version);
  await requireReplicaSet(db);
}
