/**
 * A server-streaming call answered as SSE (docs/api.md §7): headers wait for the first part (or `openStream`), so
 * an early error is a real HTTP error; later errors become a final `error` event; `: heartbeat` comments while idle;
 * the client's reading paces the pulling of parts.
 */
import type { DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { STREAM_OPEN } from "../stream-open.js";
import { headerRecord, type Res } from "./http.js";
import { formatSseEvent, SSE_HEADERS, SSE_HEARTBEAT, type SseHeartbeats } from "./sse.js";
import { partFrame } from "./transcode.js";

/** Resolves when `res` can take more (`drain`) or the client left (`close`). */
function drained(res: Res): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Streams `parts` (init shapes of `output`) to `res` as SSE frames with the headers the service set on
 * `ctx.responseHeader`. A client that leaves stops the pulling (the iterator is returned); the run itself goes on
 * unless it asked to be cancelled. An error before the first part (or before the handler opened the stream) is
 * thrown, for a plain HTTP error; after it, it is sent as an `error` event `{error: <code>, message}`.
 */
export async function streamSse(
  res: Res,
  output: DescMessage,
  parts: AsyncIterable<unknown>,
  ctx: HandlerContext,
  heartbeats: SseHeartbeats,
): Promise<void> {
  const it = parts[Symbol.asyncIterator]();
  const opened = new Promise<"opened">((resolve) => ctx.values.set(STREAM_OPEN, () => resolve("opened")));
  const firstPart = it.next();
  const early = (await Promise.race([firstPart, opened])) === "opened";
  res.writeHead(200, { ...SSE_HEADERS, ...headerRecord(ctx.responseHeader) });
  // Opened before any part: a heartbeat sends the headers now (Node holds them until the first write).
  if (early) res.write(SSE_HEARTBEAT);
  const write = (part: unknown) => res.write(partFrame(output, part));
  let gone = false;
  // Beats stop when the stream ends or the client leaves; a write after close is a no-op.
  const stopBeating = heartbeats.add(res);
  res.on("close", () => {
    gone = true;
    stopBeating();
    void it.return?.(undefined)?.catch(() => undefined);
  });
  try {
    const first = await firstPart;
    if (!first.done) write(first.value);
    // Backpressure: a slow client stops the pulling (the run's events wait in the event log, not in memory).
    for (let next = await it.next(); !next.done && !gone; next = await it.next()) {
      if (!write(next.value) && !gone) await drained(res);
    }
  } catch (error) {
    const ce = ConnectError.from(error);
    if (!gone)
      res.write(formatSseEvent({ event: "error", data: { error: Code[ce.code], message: ce.rawMessage } }));
  } finally {
    stopBeating();
    if (!gone) res.end();
  }
}
