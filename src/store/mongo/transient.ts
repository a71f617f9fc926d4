/**
 * Which MongoDB errors mean "the database is away for now" rather than "this operation is wrong" (docs/runs.md
 * "MongoDB outages"): the runtime retries them while a run's lease is still its own, the service answers them with
 * `Unavailable` (HTTP 503). The one place that knows the driver's error shapes; everything above sees only
 * `isTransientMongoError` as an `(error) => boolean`.
 */
import {
  MongoError,
  MongoNetworkError,
  MongoOperationTimeoutError,
  MongoServerSelectionError,
  MongoWriteConcernError,
} from "mongodb";

/**
 * Server codes of a primary that is gone, stepping down, shutting down or not reachable: the driver's retryable
 * read/write codes (retryable-reads / retryable-writes specs) plus the legacy "not master" code.
 */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  10058, // LegacyNotPrimary
  134, // ReadConcernMajorityNotAvailableYet
]);

/** Labels the driver or the server put on errors worth retrying. */
const TRANSIENT_LABELS = [
  "RetryableWriteError",
  "PoolRequestedRetry",
  "TransientTransactionError",
  "UnknownTransactionCommitResult",
  "ResetPool",
];

/** Messages of servers too old to send codes (the driver tests the same). */
const TRANSIENT_MESSAGE = /not master|node is recovering/i;

/**
 * Whether `error` is a transient MongoDB failure: a network error (`MongoNetworkError`, e.g. `read ECONNRESET`,
 * `connect ECONNREFUSED`), a server selection timeout (`MongoServerSelectionError`), an operation timeout
 * (`MongoOperationTimeoutError`, from `timeoutMS`), a primary stepping down or shutting down (codes above, also in a
 * write concern error), or an error the driver/server labelled retryable — also when wrapped, as
 * `MongoBulkWriteError` wraps the network error of its batch (`errorResponse`) or as `cause`.
 * Domain errors (duplicate key, document too large, validation) are not transient.
 */
export function isTransientMongoError(error: unknown): boolean {
  return transient(error, 0);
}

function transient(error: unknown, depth: number): boolean {
  if (depth > 4 || !(error instanceof Error)) return false;
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoOperationTimeoutError
  )
    return true;
  if (error instanceof MongoError) {
    if (TRANSIENT_LABELS.some((label) => error.hasErrorLabel(label))) return true;
    if (typeof error.code === "number" && TRANSIENT_CODES.has(error.code)) return true;
    const concern = (error as MongoWriteConcernError).result?.writeConcernError?.code;
    if (
      error instanceof MongoWriteConcernError &&
      typeof concern === "number" &&
      TRANSIENT_CODES.has(concern)
    )
      return true;
    if (TRANSIENT_MESSAGE.test(error.message)) return true;
    // `MongoBulkWriteError` keeps the driver error its batch failed with as `errorResponse`.
    const response = (error as { errorResponse?: unknown }).errorResponse;
    if (response !== error && transient(response, depth + 1)) return true;
  }
  return error.cause !== error && transient(error.cause, depth + 1);
}
