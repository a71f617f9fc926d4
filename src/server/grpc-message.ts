/**
 * The `grpc-message` header (and trailer) of gRPC answers in the encoding of the gRPC HTTP/2 spec
 * (PROTOCOL-HTTP2.md "Responses": percent-encode the UTF-8 bytes outside 0x20–0x7E, and `%`; leave the rest).
 *
 * Connect-ES writes it with `encodeURIComponent`, which also escapes `:`, `/`, `,`, `?`, `@`, `#` and the like.
 * Clients that percent-decode every sequence (Connect, grpc-go, grpc-python, `buf curl`) read both forms; but
 * `@grpc/grpc-js` decodes with `decodeURI`, which leaves those reserved characters escaped, so a Node service
 * calling Loom would read `Invalid timezone%3A 'Nowhere%2FCity'`. Re-encoded minimally, every client reads the
 * message as sent.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { NodeHandler } from "./one-port.js";

const GRPC_MESSAGE = "grpc-message";

/**
 * `message` percent-encoded as the gRPC spec asks: the UTF-8 bytes outside 0x20–0x7E and `%` (0x25) as `%XX`
 * (upper-case hex), every other byte as its character. E.g. `"Invalid: 'a/b' é"` → `"Invalid: 'a/b' %C3%A9"`.
 */
export function grpcPercentEncode(message: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(message)) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** A value Connect wrote (`encodeURIComponent`) in the spec's encoding; a value that does not decode is kept. */
function reencode(value: string): string {
  try {
    return grpcPercentEncode(decodeURIComponent(value));
  } catch {
    return value;
  }
}

function reencodeIn(headers: unknown): void {
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return;
  const record = headers as OutgoingHttpHeaders;
  const value = record[GRPC_MESSAGE];
  if (typeof value === "string") record[GRPC_MESSAGE] = reencode(value);
}

/** Whether the request speaks gRPC over HTTP/2 (`application/grpc`, `application/grpc+proto`…), not gRPC-Web. */
function isGrpc(req: IncomingMessage | Http2ServerRequest): boolean {
  const type = req.headers["content-type"];
  return (
    typeof type === "string" &&
    type.startsWith("application/grpc") &&
    !type.startsWith("application/grpc-web")
  );
}

/**
 * Wraps `handler` (the Connect adapter) so that the `grpc-message` of its gRPC answers — in the headers of a
 * trailers-only answer (`writeHead`) or in the trailers (`addTrailers`) — is encoded as the gRPC spec asks (see
 * the module doc). Other requests pass through untouched.
 */
export function withGrpcMessageEncoding(handler: NodeHandler): NodeHandler {
  return (req, res) => {
    if (isGrpc(req)) {
      const response = res as ServerResponse & Http2ServerResponse;
      const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => unknown;
      const addTrailers = response.addTrailers.bind(response) as (headers: unknown) => void;
      (response as { writeHead: unknown }).writeHead = (...args: unknown[]) => {
        reencodeIn(args.at(-1));
        return writeHead(...args);
      };
      (response as { addTrailers: unknown }).addTrailers = (headers: unknown) => {
        reencodeIn(headers);
        addTrailers(headers);
      };
    }
    return handler(req, res);
  };
}
