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

/**
 * The REST bridge's hook for a long poll (`runs.wait`, `runs.join`; docs/api.md §6); a no-op elsewhere. Its
 * keep-alive commits the answer to `200`, so it may only start once the call is accepted: a refusal before that
 * (a bad resume, a missing run) keeps its own status, and the run's `Content-Location` is among the headers.
 */
export const LONG_POLL_ACCEPTED = createContextKey<() => void>(() => undefined, {
  description: "loom long poll accepted",
});

/** Says the long poll of `ctx` is accepted (validated, its run created or found): keep-alives may begin. */
export function acceptLongPoll(ctx: HandlerContext): void {
  ctx.values.get(LONG_POLL_ACCEPTED)();
}
