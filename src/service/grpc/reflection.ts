/**
 * gRPC server reflection (`grpc.reflection.v1.ServerReflection` and its `v1alpha` twin, proto/grpc/reflection),
 * answered from the file descriptors that the generated code embeds (`DescService.file` and its imports), so
 * `grpcurl`, `buf curl` and other reflection clients need no copy of `proto/`.
 * Protocol: https://github.com/grpc/grpc/blob/master/doc/server-reflection.md
 */
import {
  create,
  type DescFile,
  type DescService,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ServerReflection,
  type ServerReflectionRequest,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
} from "../../../gen/ts/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../../gen/ts/grpc/reflection/v1alpha/reflection_pb.js";

/** gRPC status NOT_FOUND, the `error_code` of an ErrorResponse for an unknown file, symbol or extension. */
const NOT_FOUND = 5;

type Response = MessageInitShape<typeof ServerReflectionResponseSchema>;

/** What reflection knows: every file reachable from the served services, by name, symbol and extension. */
interface DescriptorIndex {
  services: string[];
  files: Map<string, DescFile>;
  /** Fully-qualified symbol (message, field, oneof, enum, enum value, service, method, extension) → its file. */
  symbols: Map<string, DescFile>;
  /** Extendee message name → extension field number → the file declaring the extension. */
  extensions: Map<string, Map<number, DescFile>>;
}

/** Builds the index over `services` and, transitively, every file they import. */
function indexDescriptors(services: readonly DescService[]): DescriptorIndex {
  const index: DescriptorIndex = {
    services: services.map((s) => s.typeName),
    files: new Map(),
    symbols: new Map(),
    extensions: new Map(),
  };
  const addFile = (file: DescFile) => {
    if (index.files.has(file.proto.name)) return;
    index.files.set(file.proto.name, file);
    for (const dep of file.dependencies) addFile(dep);
    for (const type of nestedTypes(file)) {
      index.symbols.set(type.typeName, file);
      switch (type.kind) {
        case "message":
          for (const field of type.fields) index.symbols.set(`${type.typeName}.${field.name}`, file);
          for (const oneof of type.oneofs) index.symbols.set(`${type.typeName}.${oneof.name}`, file);
          break;
        case "enum": {
          // Enum values are scoped like siblings of their enum (C++ scoping rules).
          const scope = type.typeName.slice(0, type.typeName.length - type.name.length);
          for (const value of type.values) index.symbols.set(`${scope}${value.name}`, file);
          break;
        }
        case "service":
          for (const method of type.methods) index.symbols.set(`${type.typeName}.${method.name}`, file);
          break;
        case "extension": {
          const byNumber = index.extensions.get(type.extendee.typeName) ?? new Map<number, DescFile>();
          byNumber.set(type.number, file);
          index.extensions.set(type.extendee.typeName, byNumber);
          break;
        }
      }
    }
  };
  for (const service of services) addFile(service.file);
  return index;
}

/**
 * `file` and then those of its transitive imports that this stream has not sent yet (grpc-go does the same:
 * a client asks for one file and gets all it needs to build it, once per stream).
 */
function fileWithImports(file: DescFile, sent: Set<string>): Uint8Array[] {
  const out: Uint8Array[] = [];
  const visit = (f: DescFile, requested: boolean) => {
    if (!requested && sent.has(f.proto.name)) return;
    sent.add(f.proto.name);
    out.push(toBinary(FileDescriptorProtoSchema, f.proto));
    for (const dep of f.dependencies) visit(dep, false);
  };
  visit(file, true);
  return out;
}

/** Answers one request. `sent` holds the names of the files already sent on this stream. */
function answer(index: DescriptorIndex, request: ServerReflectionRequest, sent: Set<string>): Response {
  const base = { validHost: request.host, originalRequest: request };
  const notFound = (message: string): Response => ({
    ...base,
    messageResponse: { case: "errorResponse", value: { errorCode: NOT_FOUND, errorMessage: message } },
  });
  const files = (file: DescFile | undefined, what: string): Response =>
    file
      ? {
          ...base,
          messageResponse: {
            case: "fileDescriptorResponse",
            value: { fileDescriptorProto: fileWithImports(file, sent) },
          },
        }
      : notFound(`${what} not found`);
  const r = request.messageRequest;
  switch (r.case) {
    case "listServices":
      return {
        ...base,
        messageResponse: {
          case: "listServicesResponse",
          value: { service: index.services.map((name) => ({ name })) },
        },
      };
    case "fileByFilename":
      return files(index.files.get(r.value), `file ${r.value}`);
    case "fileContainingSymbol":
      return files(index.symbols.get(r.value.replace(/^\./, "")), `symbol ${r.value}`);
    case "fileContainingExtension":
      return files(
        index.extensions.get(r.value.containingType)?.get(r.value.extensionNumber),
        `extension ${r.value.extensionNumber} of ${r.value.containingType}`,
      );
    case "allExtensionNumbersOfType": {
      if (!index.symbols.has(r.value)) return notFound(`type ${r.value} not found`);
      const numbers = [...(index.extensions.get(r.value)?.keys() ?? [])].sort((a, b) => a - b);
      return {
        ...base,
        messageResponse: {
          case: "allExtensionNumbersResponse",
          value: { baseTypeName: r.value, extensionNumber: numbers },
        },
      };
    }
    default:
      return notFound("empty reflection request");
  }
}

/** The two reflection services, ready for `ConnectRouter.service`. */
export interface ReflectionServices {
  v1: { service: typeof ServerReflection; impl: ServiceImpl<typeof ServerReflection> };
  v1alpha: { service: typeof v1alpha.ServerReflection; impl: ServiceImpl<typeof v1alpha.ServerReflection> };
}

/**
 * Creates `grpc.reflection.v1` and `v1alpha` ServerReflection over the services that `listServices` returns.
 * It is a function so that the list can name the reflection services themselves; it is read on the first
 * request. Unknown files, symbols and extensions answer an ErrorResponse with code NOT_FOUND (the stream goes
 * on); an empty request answers NOT_FOUND too. The bidirectional stream needs HTTP/2 (gRPC, or Connect over h2).
 */
export function createReflectionServices(listServices: () => readonly DescService[]): ReflectionServices {
  let index: DescriptorIndex | undefined;
  const stream = async function* (requests: AsyncIterable<ServerReflectionRequest>) {
    index ??= indexDescriptors(listServices());
    const sent = new Set<string>();
    for await (const request of requests) {
      yield answer(index, request, sent);
    }
  };
  return {
    v1: { service: ServerReflection, impl: { serverReflectionInfo: stream } },
    v1alpha: {
      service: v1alpha.ServerReflection,
      impl: {
        // The v1alpha messages are field for field those of v1: convert through the wire format.
        async *serverReflectionInfo(requests) {
          const asV1 = async function* () {
            for await (const r of requests) {
              yield fromBinary(
                ServerReflectionRequestSchema,
                toBinary(v1alpha.ServerReflectionRequestSchema, r),
              );
            }
          };
          for await (const response of stream(asV1())) {
            const bytes = toBinary(
              ServerReflectionResponseSchema,
              create(ServerReflectionResponseSchema, response),
            );
            yield fromBinary(v1alpha.ServerReflectionResponseSchema, bytes);
          }
        },
      },
    },
  };
}
