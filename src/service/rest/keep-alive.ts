/**
 * The long-poll keep-alive of the REST bridge (docs/api.md §6): an answer that takes longer than the interval
 * answers 200 at once and sends `\n` every interval (JSON clients skip leading whitespace) until the body.
 */
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { LONG_POLL_ACCEPTED } from "../stream-open.js";
import { headerRecord, type Res } from "./http.js";

/** Marks a unary call whose late failure was already answered in-band. */
export const LATE = Symbol("late");

/**
 * Runs `call`; once the handler has accepted the call (`acceptLongPoll`) and the answer takes longer than
 * `intervalMs`, starts a 200 answer (with the headers the service set so far, `Content-Location` among them) and
 * writes `\n` every interval. A failure after that is answered in-band as
 * `{"__error__": {"error": <code>, "message"}}` and yields {@link LATE}; a failure before is thrown, so a refusal
 * keeps its status however slow the refusing was.
 */
export async function withKeepAlive(
  res: Res,
  ctx: HandlerContext,
  intervalMs: number,
  call: () => Promise<unknown>,
): Promise<unknown> {
  let accepted = false;
  ctx.values.set(LONG_POLL_ACCEPTED, () => {
    accepted = true;
  });
  const timer = setInterval(() => {
    if (!accepted || res.destroyed || res.writableEnded) return;
    if (!res.headersSent)
      res.writeHead(200, { "content-type": "application/json", ...headerRecord(ctx.responseHeader) });
    res.write("\n");
  }, intervalMs);
  try {
    return await call();
  } catch (error) {
    if (!res.headersSent) throw error;
    const ce = ConnectError.from(error);
    res.end(JSON.stringify({ __error__: { error: Code[ce.code], message: ce.rawMessage } }));
    return LATE;
  } finally {
    clearInterval(timer);
  }
}
