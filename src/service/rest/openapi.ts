/**
 * The OpenAPI 3.0 document of the REST surface, generated from the route table (itself built from the
 * `google.api.http` annotations, see routes.ts) and the protobuf message descriptors: one operation per route,
 * path variables as path parameters, the other request fields as query parameters (no body) or the JSON body
 * (`body: "*"` / a field), the response message (or its `response_body` field) as the 200 schema. Served as
 * `GET /openapi.json` and rendered by `GET /docs` (docs/api.md "OpenAPI").
 */
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import type { RestRoute, RouteTable } from "./routes.js";

/** A JSON Schema object (the OpenAPI 3.0 subset). */
type Schema = Record<string, unknown>;

/** Well-known types with a JSON mapping of their own (protobuf JSON mapping). */
const WELL_KNOWN: Readonly<Record<string, Schema>> = {
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string" },
  "google.protobuf.Empty": { type: "object" },
  "google.protobuf.StringValue": { type: "string" },
  "google.protobuf.BoolValue": { type: "boolean" },
  "google.protobuf.Int32Value": { type: "integer" },
  "google.protobuf.DoubleValue": { type: "number" },
};

function scalarSchema(t: ScalarType): Schema {
  switch (t) {
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", format: "byte" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int32" };
    default:
      // 64-bit integers are strings in the protobuf JSON mapping.
      return { type: "string", format: "int64" };
  }
}

/** Builds component schemas on demand; a message is described once and referenced by `$ref`. */
class SchemaBuilder {
  readonly components: Record<string, Schema> = {};

  ref(desc: DescMessage): Schema {
    const known = WELL_KNOWN[desc.typeName];
    if (known) return known;
    const name = desc.typeName.replaceAll(".", "_");
    if (!(name in this.components)) {
      this.components[name] = {};
      this.components[name] = this.message(desc);
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  message(desc: DescMessage, skip: ReadonlySet<string> = new Set()): Schema {
    const properties: Record<string, Schema> = {};
    for (const field of desc.fields) {
      if (skip.has(field.name)) continue;
      properties[field.name] = this.field(field);
    }
    return { type: "object", properties };
  }

  field(field: DescField): Schema {
    const described = (s: Schema): Schema => s;
    switch (field.fieldKind) {
      case "scalar":
        return described(scalarSchema(field.scalar));
      case "enum":
        return described({ type: "string", enum: field.enum.values.map((v) => v.name) });
      case "message":
        return described(this.ref(field.message));
      case "list":
        return described({
          type: "array",
          items:
            field.listKind === "scalar"
              ? scalarSchema(field.scalar)
              : field.listKind === "enum"
                ? { type: "string" }
                : this.ref(field.message),
        });
      case "map":
        return described({
          type: "object",
          additionalProperties:
            field.mapKind === "scalar"
              ? scalarSchema(field.scalar)
              : field.mapKind === "enum"
                ? { type: "string" }
                : this.ref(field.message),
        });
    }
  }
}

/** `{thread_id}` and `{name=pattern}` variables of a template, in order. */
function pathVariables(source: string): string[] {
  return [...source.matchAll(/\{([^}=]+)(=[^}]*)?\}/g)].map((m) => m[1] as string);
}

/** The OpenAPI path of a template: `{name=**}` becomes `{name}`, a `:verb` suffix stays. */
function openApiPath(source: string): string {
  return source.replace(/\{([^}=]+)=[^}]*\}/g, "{$1}");
}

function isStreaming(route: RestRoute): boolean {
  return route.method.methodKind === "server_streaming";
}

function responseSchema(route: RestRoute, schemas: SchemaBuilder): Schema {
  const output = route.method.output;
  if (route.responseBody === "") return schemas.ref(output);
  const field = output.fields.find((f) => f.name === route.responseBody);
  return field ? schemas.field(field) : {};
}

function operation(route: RestRoute, schemas: SchemaBuilder): Schema {
  const vars = pathVariables(route.template.source);
  const topVars = new Set(vars.map((v) => v.split(".")[0] as string));
  const parameters: Schema[] = vars.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const input = route.method.input;
  const op: Schema = {
    operationId:
      `${route.service.name}_${route.method.name}_${route.verb}_${openApiPath(route.template.source)}`
        .replace(/[^A-Za-z0-9_]+/g, "_")
        .replace(/_+$/, ""),
    tags: [route.service.name.replace(/Service$/, "")],
    summary: `${route.service.name}.${route.method.name}`,
  };
  if (route.body === "") {
    for (const field of input.fields) {
      if (topVars.has(field.name)) continue;
      if (field.fieldKind === "message" && !WELL_KNOWN[field.message.typeName]) continue;
      if (field.fieldKind === "map") continue;
      parameters.push({ name: field.name, in: "query", required: false, schema: schemas.field(field) });
    }
  } else {
    const bodyField = route.body === "*" ? undefined : input.fields.find((f) => f.name === route.body);
    const schema = bodyField ? schemas.field(bodyField) : schemas.message(input, topVars);
    op.requestBody = { required: true, content: { "application/json": { schema } } };
  }
  if (parameters.length > 0) op.parameters = parameters;
  const okContent = isStreaming(route)
    ? { "text/event-stream": { schema: { type: "string", description: "Server-sent events, one per part" } } }
    : { "application/json": { schema: responseSchema(route, schemas) } };
  op.responses = {
    "200": { description: "Success", content: okContent },
    default: {
      description: "Error",
      content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorResponse" } } },
    },
  };
  return op;
}

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** Loom's version, the document's `info.version`. */
  version: string;
  /** Extra operations served outside the route table (e.g. `GET /ok`), merged into `paths`. */
  extraPaths?: Record<string, Record<string, Schema>>;
}

/**
 * The OpenAPI 3.0.3 document of `table`. Pure; call once at start-up.
 * @returns a JSON-serialisable object; every route of `table` is one operation under its path.
 */
export function buildOpenApiDocument(table: RouteTable, options: OpenApiOptions): Record<string, unknown> {
  const schemas = new SchemaBuilder();
  schemas.components.ErrorResponse = {
    type: "object",
    properties: { detail: { type: "string" } },
  };
  const paths: Record<string, Record<string, Schema>> = {};
  // Sorted by path, so the document does not depend on the table's matching order.
  const routes = [...table.routes].sort((a, b) => a.template.source.localeCompare(b.template.source));
  for (const route of routes) {
    const path = openApiPath(route.template.source);
    const item = paths[path] ?? {};
    item[route.verb.toLowerCase()] = operation(route, schemas);
    paths[path] = item;
  }
  for (const [path, ops] of Object.entries(options.extraPaths ?? {})) {
    paths[path] = { ...ops, ...paths[path] };
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Loom",
      version: options.version,
      description:
        "Loom's REST surface (the LangGraph Agent Server HTTP API), generated from its protobuf services.",
    },
    paths,
    components: { schemas: schemas.components },
  };
}
