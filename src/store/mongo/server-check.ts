/**
 * Start-up check of the MongoDB server (spec/mongodb.md "Users with their own MongoDB"): runs, thread claims and
 * run completion use multi-document transactions, which need a replica set (a single-node one is enough).
 */
import type { Db } from "mongodb";
import { StoreError } from "../errors.js";

/** The server is not a replica set member (or a mongos), so transactions cannot run. */
export class ReplicaSetRequiredError extends StoreError {
  override readonly name = "ReplicaSetRequiredError";
  constructor() {
    super(
      "MongoDB must run as a replica set (transactions are required): start mongod with --replSet rs0 and run " +
        "rs.initiate() once, or use Atlas",
    );
  }
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
