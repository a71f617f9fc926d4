/**
 * Lets a server-streaming handler say "the request is valid, the stream is open" before its first part: the REST
 * bridge then answers `200` with the SSE headers at once and starts the heartbeats (docs/api.md §7), as for a
 * thread stream that may stay idle until a run starts. Errors before the call are plain HTTP errors; after it, a
 * final `error` event. Other protocols ignore it (their headers go with the first message).
 */
import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/** The transport's hook; a no-op unless the REST bridge set one. */
export const STREAM_OPEN = createContextKey<() => void>(() => undefined, { description: "loom stream open" });

/** Opens the response stream of `ctx` now (see module doc). */
export function openStream(ctx: HandlerContext): void {
  ctx.values.get(STREAM_OPEN)();
}
