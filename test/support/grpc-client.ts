/**
 * A `@grpc/grpc-js` client on descriptors loaded by `@grpc/proto-loader` from `proto/` (no generated code), with
 * `google.protobuf.Struct`/`Value` converters and a promise wrapper for unary calls.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A protobuf message in proto-loader's plain-object form. */
export type RawMessage = Record<string, unknown>;

/** `google.protobuf.Value` from JSON. */
export function toValue(v: Json): RawMessage {
  if (v === null) return { nullValue: "NULL_VALUE" };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v) };
}

/** `google.protobuf.Struct` from a JSON object. */
export function toStruct(o: { [k: string]: Json }): RawMessage {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

/** JSON from a `google.protobuf.Value` in proto-loader's form (`oneofs: true`: `kind` names the set field). */
export function fromValue(v: RawMessage): Json {
  switch (v.kind) {
    case "stringValue":
    case "numberValue":
    case "boolValue":
      return v[v.kind] as Json;
    case "listValue":
      return ((v.listValue as { values?: RawMessage[] }).values ?? []).map(fromValue);
    case "structValue":
      return fromStruct(v.structValue as RawMessage);
    default:
      return null;
  }
}

/** A JSON object from a `google.protobuf.Struct` (absent: `{}`). */
export function fromStruct(s: RawMessage | null | undefined): { [k: string]: Json } {
  const fields = (s?.fields ?? {}) as Record<string, RawMessage>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fromValue(v)]));
}

type Unary = (
  req: object,
  options: grpc.CallOptions,
  cb: (e: grpc.ServiceError | null, res: RawMessage) => void,
) => void;
type ServerStreaming = (req: object, options: grpc.CallOptions) => grpc.ClientReadableStream<RawMessage>;
type Service = "ThreadsService" | "RunsService" | "AssistantsService" | "CronsService";

/** Unary gRPC clients of the Loom services on `127.0.0.1:port`. */
export interface GrpcClients {
  /** Calls `service.method(req)` (with call `options`, e.g. a `deadline`); rejects with the `grpc.ServiceError`. */
  call(service: Service, method: string, req: object, options?: grpc.CallOptions): Promise<RawMessage>;
  /** Starts the server-streaming `service.method(req)`. */
  stream(
    service: Service,
    method: string,
    req: object,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<RawMessage>;
  close(): void;
}

/**
 * Connects insecure (h2c) clients for the services above; `metadata` (e.g. `{authorization: "Bearer …"}`) is sent
 * with every call.
 */
export function grpcClients(port: number, options: { metadata?: Record<string, string> } = {}): GrpcClients {
  const def = protoLoader.loadSync(
    ["loom/v1/threads.proto", "loom/v1/runs.proto", "loom/v1/assistants.proto", "loom/v1/crons.proto"],
    {
      includeDirs: [path.join(projectRoot, "proto")],
      keepCase: true,
      longs: String,
      defaults: true,
      oneofs: true,
    },
  );
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    loom: { v1: Record<string, grpc.ServiceClientConstructor> };
  };
  const creds = grpc.credentials.createInsecure();
  const clients = new Map<string, grpc.Client & Record<string, Unary>>();
  const extra = Object.entries(options.metadata ?? {});
  const withMetadata: grpc.Interceptor = (callOptions, next) =>
    new grpc.InterceptingCall(next(callOptions), {
      start(metadata, listener, start) {
        for (const [k, v] of extra) metadata.set(k, v);
        start(metadata, listener);
      },
    });
  for (const name of ["ThreadsService", "RunsService", "AssistantsService", "CronsService"]) {
    const Ctor = pkg.loom.v1[name] as grpc.ServiceClientConstructor;
    const client = new Ctor(
      `127.0.0.1:${port}`,
      creds,
      extra.length > 0 ? { interceptors: [withMetadata] } : {},
    );
    clients.set(name, client as grpc.Client & Record<string, Unary>);
  }
  return {
    call(service, method, req, options = {}) {
      const client = clients.get(service) as grpc.Client & Record<string, Unary>;
      return new Promise((resolve, reject) => {
        (client[method] as Unary).call(client, req, options, (e, res) => (e ? reject(e) : resolve(res)));
      });
    },
    stream(service, method, req, options = {}) {
      const client = clients.get(service) as unknown as grpc.Client & Record<string, ServerStreaming>;
      return (client[method] as ServerStreaming).call(client, req, options);
    },
    close() {
      for (const c of clients.values()) c.close();
    },
  };
}

/** The gRPC status code a rejected call carries (`grpc.status`), or `undefined` when it resolved. */
export async function grpcCode(p: Promise<unknown>): Promise<{ code: number | undefined; details: string }> {
  try {
    await p;
    return { code: undefined, details: "" };
  } catch (e) {
    const err = e as grpc.ServiceError;
    return { code: err.code, details: err.details };
  }
}

export { grpc };
