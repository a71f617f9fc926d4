/**
 * Request bytes that do not decode as the method's protobuf message are the client's mistake: InvalidArgument
 * (`invalid_argument`, HTTP 400 on Connect unary), as connect-go answers. connect-es answers Internal
 * ("parse binary: …") and decodes the request before any interceptor or implementation runs (for unary methods),
 * so the code is rewritten where the router's handlers answer: in the final status of each protocol's response
 * (gRPC trailer, gRPC-Web trailer frame, Connect unary error body, Connect end-of-stream message).
 * JSON request bodies that do not parse are InvalidArgument in connect-es already.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope, type UniversalHandler } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  endStreamFlag,
  endStreamFromJson,
  endStreamToJson,
  errorFromJsonBytes,
  errorToJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { passThrough } from "../runtime/pass-through.js";

/** How connect-es (2.x, `createBinarySerialization`) words a request message that does not decode. */
const PARSE_BINARY = "parse binary:";

/** The InvalidArgument error for a connect-es "parse binary" Internal error; `undefined` for any other error. */
function asInvalidArgument(error: ConnectError | undefined): ConnectError | undefined {
  if (error?.code !== Code.Internal || !error.rawMessage.startsWith(PARSE_BINARY)) return undefined;
  return new ConnectError(error.rawMessage, Code.InvalidArgument);
}

type Protocol = "grpc" | "grpc-web" | "connect-unary" | "connect-stream";

/** The protocol of a binary-format request, from its content type; `undefined` for JSON ones. */
function binaryProtocolOf(contentType: string | null): Protocol | undefined {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/proto") return "connect-unary";
  if (type === "application/connect+proto") return "connect-stream";
  if (type === "application/grpc-web" || type === "application/grpc-web+proto") return "grpc-web";
  if (type === "application/grpc" || type === "application/grpc+proto") return "grpc";
  return undefined;
}

/** One whole envelope (`flags`, 4-byte length, data) whose flags are exactly `flags`: its data, else undefined. */
function envelopeData(chunk: Uint8Array, flags: number): Uint8Array | undefined {
  if (chunk.length < 5 || chunk[0] !== flags) return undefined;
  const length = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1);
  return chunk.length === 5 + length ? chunk.subarray(5) : undefined;
}

/** The chunk with its final-status envelope rewritten when that status is an undecodable request. */
function rewriteChunk(chunk: Uint8Array, protocol: "grpc-web" | "connect-stream"): Uint8Array {
  if (protocol === "grpc-web") {
    const data = envelopeData(chunk, trailerFlag);
    if (!data) return chunk;
    const trailer = trailerParse(data);
    const error = asInvalidArgument(findTrailerError(trailer));
    if (!error) return chunk;
    return encodeEnvelope(trailerFlag, trailerSerialize(setTrailerStatus(trailer, error)));
  }
  const data = envelopeData(chunk, endStreamFlag);
  if (!data) return chunk;
  const end = endStreamFromJson(data);
  const error = asInvalidArgument(end.error);
  if (!error) return chunk;
  const json = JSON.stringify(endStreamToJson(end.metadata, error, undefined));
  return encodeEnvelope(endStreamFlag, new TextEncoder().encode(json));
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Wraps a router handler so that an undecodable binary request answers InvalidArgument on every protocol
 * (see the module comment); every other response passes through unchanged (only the final-status envelope of a
 * gRPC-Web or Connect stream is looked at). The handler keeps its routing properties.
 */
export function invalidArgumentOnUndecodable(handler: UniversalHandler): UniversalHandler {
  const wrapped = async (req: Parameters<UniversalHandler>[0]) => {
    const res = await handler(req);
    const protocol = binaryProtocolOf(req.header.get("content-type"));
    if (protocol === undefined || res.body === undefined) return res;
    if (protocol === "connect-unary") {
      if (res.status !== codeToHttpStatus(Code.Internal)) return res;
      const bytes = await readAll(res.body);
      const fallback = new ConnectError("internal error", Code.Internal);
      const error = asInvalidArgument(errorFromJsonBytes(bytes, undefined, fallback));
      const body = error ? errorToJsonBytes(error, undefined) : bytes;
      // The Connect unary handler states the body's length; the rewritten body is longer.
      if (res.header?.has("content-length")) res.header.set("content-length", String(body.length));
      return {
        ...res,
        status: error ? codeToHttpStatus(error.code) : res.status,
        body: (async function* () {
          yield body;
        })(),
      };
    }
    if (protocol === "grpc") {
      // The status is in the trailer, set once the body is done (already, when decoding failed).
      const patch = () => {
        if (!res.trailer) return;
        const error = asInvalidArgument(findTrailerError(res.trailer));
        if (error) setTrailerStatus(res.trailer, error);
      };
      patch();
      return { ...res, body: passThrough(res.body, { done: patch }) };
    }
    return {
      ...res,
      body: passThrough(res.body, { value: (c: Uint8Array) => rewriteChunk(c, protocol) }),
    };
  };
  return Object.assign(wrapped, handler);
}
