/**
 * The REST answer of a failed call: `{"detail": "<message>"}` with the body refusals' own status (`./body.ts`: 400,
 * 413, 415, 422), else the status of a domain error's override or of {@link restStatusForCode}; every 503 carries
 * `Retry-After`.
 */
import { ConnectError } from "@connectrpc/connect";
import { RETRY_AFTER_HEADER, RETRY_AFTER_SECONDS, restStatusOverride } from "../errors.js";
import { BodyRefusedError } from "./body.js";
import { type Res, sendJson } from "./http.js";
import { restStatusForCode } from "./http-status.js";

/** The HTTP status, message and `Retry-After` seconds of an error thrown by a call. */
function errorDetail(error: unknown): { status: number; detail: string; retryAfter: string } {
  const ce = ConnectError.from(error);
  return {
    status: restStatusOverride(ce.cause) ?? restStatusForCode(ce.code),
    detail: ce.rawMessage,
    retryAfter: ce.metadata.get(RETRY_AFTER_HEADER) ?? String(RETRY_AFTER_SECONDS),
  };
}

/**
 * Answers `error`; when the answer has started already (a stream, a long poll) only ends it. Errors that are not
 * ConnectErrors or body refusals are the bridge's own: they answer 500 and go to `onInternal`.
 */
export function sendError(res: Res, error: unknown, onInternal: (error: unknown) => void): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (error instanceof BodyRefusedError) {
    sendJson(res, error.status, { detail: error.message });
    return;
  }
  const { status, detail, retryAfter } = errorDetail(error);
  // Service errors arrive as ConnectErrors (logged where they are mapped); anything else is the bridge's own.
  if (!(error instanceof ConnectError)) onInternal(error);
  // Every 503 is worth retrying soon (an election, a restarting mongod, a draining replica): say when.
  sendJson(res, status, { detail }, status === 503 ? { "retry-after": retryAfter } : {});
}
