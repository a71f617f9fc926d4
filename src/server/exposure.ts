/**
 * The warning an operator gets when Loom is reachable from other machines while it authenticates nobody
 * (docs/security.md, first paragraph).
 */
import { isLoopbackAddress } from "./host-guard.js";

/** What is logged (at `warn`) when Loom listens on a non-loopback address without auth. */
export const EXPOSURE_WARNING =
  "listening on a non-loopback address without authentication: anyone who reaches the port can read and run every thread (set LOOM_API_KEYS or an auth module, docs/security.md)";

/**
 * The warning for listening on `host`, or `undefined` when there is nothing to warn about: auth is on, or `host`
 * is a loopback address (`127.0.0.0/8`, `::1`, `localhost`). `0.0.0.0`, `::` and any other address warn.
 */
export function exposureWarning(host: string, authenticated: boolean): string | undefined {
  if (authenticated || isLoopbackAddress(host)) return undefined;
  return EXPOSURE_WARNING;
}
