/**
 * The durability Loom's MongoDB client asks for (docs/runs.md "Replica sets and failover"): every write
 * acknowledged by a majority of the replica set (`w: "majority"`, journaled), so an acknowledged create, claim,
 * checkpoint or end survives the loss of the primary (a write only the old primary held would be rolled back);
 * retryable writes and reads (the driver's defaults, named here so a reader sees them), so an operation cut by an
 * election is retried once on the new primary. A connection string that sets `w`, `journal`, `retryWrites` or
 * `retryReads` itself keeps its own choice.
 */
import type { MongoClientOptions } from "mongodb";

/** The options above for the client of `uri` (options the URI names are left out, so the URI wins). */
export function durableClientOptions(uri: string): MongoClientOptions {
  const query = new URLSearchParams(uri.split("?")[1] ?? "");
  const has = (name: string) => [...query.keys()].some((k) => k.toLowerCase() === name.toLowerCase());
  return {
    ...(has("w") || has("journal") ? {} : { writeConcern: { w: "majority", journal: true } }),
    ...(has("retryWrites") ? {} : { retryWrites: true }),
    ...(has("retryReads") ? {} : { retryReads: true }),
  };
}
