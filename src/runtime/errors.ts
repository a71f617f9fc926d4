/**
 * Errors the runtime itself raises to callers (lease loss is in `./guards.ts`, where it is detected).
 */

/**
 * A wait, join or stream cut because this process is shutting down (docs/runs.md "Shutdown"): the run itself
 * goes back to the queue and another process finishes it, so the caller should retry elsewhere. Maps to
 * gRPC `UNAVAILABLE`, REST 503.
 */
export class ShuttingDownError extends Error {
  override readonly name = "ShuttingDownError";
  constructor() {
    super("Loom is shutting down; the run goes on in another process (retry the request)");
  }
}
