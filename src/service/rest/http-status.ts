/**
 * Connect code → REST status for the LangGraph routes (DESIGN.md "Errors over REST"). Differs from the Connect
 * protocol's own table where the LangGraph servers do: InvalidArgument → 422 (Python server), FailedPrecondition
 * and Aborted → 409 (busy thread, `multitask_strategy: reject`). Client mistakes never map to 5xx (the SDK
 * retries 5xx, replaying POSTs).
 */
import { Code } from "@connectrpc/connect";

const STATUS: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 422,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 409,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/** The HTTP status a REST client gets for a Connect error code. */
export function restStatusForCode(code: Code): number {
  return STATUS[code] ?? 500;
}
