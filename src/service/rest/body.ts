/**
 * The REST bridge's request body, from bytes to JSON (docs/api.md §10), refusing before anything is
 * written:
 * - 413 when `content-length` announces more than the limit or the body grows past it (see `readBody`);
 * - 415 when a non-empty body is not JSON by its `content-type` (`application/json`, `application/*+json`):
 *   an HTML form or a no-cors `fetch` from any web page sends `text/plain` or a form type, so refusing them
 *   keeps pages from driving a local Loom;
 * - 422 when the bytes are not UTF-8 (never stored altered) or an object has a `__proto__` key (JavaScript
 *   objects cannot keep it as data, so it is refused rather than dropped);
 * - 400 when the text is not JSON.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import secureJson from "secure-json-parse";
import type { NodeHandler } from "../../server/one-port.js";

type Req = Parameters<NodeHandler>[0];

/** A request refused by the bridge itself, before the service sees it; answered `{"detail": message}`. */
export class BodyRefusedError extends Error {
  override readonly name = "BodyRefusedError";
  /** @param status HTTP status of the answer (400, 413, 415 or 422). */
  constructor(
    readonly status: 400 | 413 | 415 | 422,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown for a body that is not JSON; the bridge answers 400 "Malformed JSON in request body". */
export class MalformedJsonError extends BodyRefusedError {
  constructor() {
    super(400, "Malformed JSON in request body");
  }
}

const JSON_TYPE = /^application\/(?:json|[\w.-]+\+json)$/i;

/**
 * Refuses a content type that is not JSON (415). Parameters are allowed, but a `charset` must be UTF-8.
 * A missing `content-type` is refused too: a no-cors `fetch` of a `Blob` sends none.
 * @throws BodyRefusedError 415
 */
export function requireJsonContentType(contentType: string | undefined): void {
  const [type = "", ...params] = (contentType ?? "").split(";").map((s) => s.trim());
  const charset = params
    .find((p) => /^charset=/i.test(p))
    ?.slice("charset=".length)
    .replace(/"/g, "");
  if (JSON_TYPE.test(type) && (charset === undefined || /^utf-?8$/i.test(charset))) return;
  const got = contentType ? `got '${contentType}'` : "none was sent";
  throw new BodyRefusedError(415, `Content-Type must be application/json (${got})`);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes and parses a request body; an empty or whitespace-only body means `undefined`.
 * @throws BodyRefusedError 422 for bytes that are not UTF-8 or a `__proto__` key; MalformedJsonError (400)
 */
export function parseJsonBody(raw: Uint8Array | string): JsonValue | undefined {
  let text: string;
  try {
    text = typeof raw === "string" ? raw : UTF8.decode(raw);
  } catch {
    throw new BodyRefusedError(422, "Request body is not valid UTF-8");
  }
  if (text.trim() === "") return undefined;
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch {
    throw new MalformedJsonError();
  }
  // `constructor` keys are plain data here (nothing merges objects by key); only `__proto__` cannot be kept.
  const scanned =
    typeof json === "object" && json !== null
      ? secureJson.scan(json, { protoAction: "error", constructorAction: "ignore", safe: true })
      : json;
  if (scanned === null && json !== null) {
    throw new BodyRefusedError(422, "Request body has a '__proto__' key, which Loom does not accept");
  }
  return json;
}

/** How long an h2 request over the limit may go on sending before the 413 goes out anyway. */
const H2_DRAIN_GRACE_MS = 1000;

/**
 * Reads the whole body. Over `limit` bytes (announced by `content-length`, or counted) it rejects with a 413
 * BodyRefusedError and stops collecting:
 * - HTTP/1.1: at once; Node discards what the client still sends, and the client reads the 413.
 * - h2: once the client has finished sending (discarded), or after {@link H2_DRAIN_GRACE_MS} if it has not, so a
 *   client that announced a large body and sends nothing still gets its answer. Answering an h2 upload while it
 *   is still in flight makes Node reset the stream under the answer, and curl then reports a framing error
 *   instead of the 413 (seen in about a third of tries).
 */
export function readBody(req: Req, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const h2 = req.httpVersionMajor >= 2;
    const chunks: Buffer[] = [];
    let total = 0;
    let refused = false;
    let grace: NodeJS.Timeout | undefined;
    const fail = () => {
      clearTimeout(grace);
      req.off("data", onData);
      req.off("end", onEnd);
      reject(new BodyRefusedError(413, `Request body exceeds the limit of ${limit} bytes`));
    };
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      if (!h2) return fail();
      grace = setTimeout(fail, H2_DRAIN_GRACE_MS).unref();
    };
    const onData = (chunk: Buffer) => {
      if (refused) return;
      total += chunk.length;
      if (total <= limit) chunks.push(chunk);
      else refuse();
    };
    const onEnd = () => (refused ? fail() : resolve(Buffer.concat(chunks)));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", reject);
    if (Number(req.headers["content-length"] ?? "0") > limit) refuse();
  });
}
