/**
 * Runs a function in a MongoDB transaction with the driver's retry rules (`withTransaction` retries on
 * transient errors and unknown commit results), always ending the session.
 */
import type { ClientSession, MongoClient } from "mongodb";

/**
 * `fn` inside a transaction on a fresh session of `client`; resolves to `fn`'s result once committed.
 *
 * @throws whatever `fn` throws (the transaction is aborted) or the commit's error after the driver's retries
 */
export async function inTransaction<T>(
  client: MongoClient,
  fn: (session: ClientSession) => Promise<T>,
): Promise<T> {
  const session = client.startSession();
  try {
    return await session.withTransaction(fn);
  } finally {
    await session.endSession();
  }
}
