// A plain grpc-js client of Loom: descriptors loaded at run time from proto/ by @grpc/proto-loader (no generated
// code), google.protobuf.Struct / Value built by hand, and the compile-time breakpoint flow of the
// `breakpoints_static` graph (compiled with interruptBefore: ["node_b"]) resumed both ways proto allows:
// `input` left unset, and `input` set to Value{null_value}.
//
//   LOOM_ADDRESS  host:port of Loom (default 127.0.0.1:8123)
//   LOOM_PROTO    the proto/ directory (default ../../proto, i.e. this repository's)
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const here = path.dirname(fileURLToPath(import.meta.url));
const protoDir = process.env.LOOM_PROTO ?? path.join(here, "..", "..", "proto");
const address = process.env.LOOM_ADDRESS ?? "127.0.0.1:8123";

// keepCase: Loom's fields keep their snake_case names from the .proto files. The google.protobuf types come from
// protobufjs's own built-in copies, whose fields are camelCase whatever keepCase says: a Value is
// {structValue}, {stringValue}, {nullValue: "NULL_VALUE"}... (a snake_case {struct_value} is silently dropped).
// oneofs: a decoded Value says which kind it holds in `kind`. defaults: unset scalars read as "" / 0 / false / [].
const definition = protoLoader.loadSync(["loom/v1/threads.proto", "loom/v1/runs.proto"], {
  includeDirs: [protoDir],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loom = grpc.loadPackageDefinition(definition).loom.v1;
const credentials = grpc.credentials.createInsecure(); // Loom serves h2c (HTTP/2 without TLS)
const threads = new loom.ThreadsService(address, credentials);
const runs = new loom.RunsService(address, credentials);

/** google.protobuf.Value from JSON. */
function toValue(v) {
  if (v === null) return { nullValue: "NULL_VALUE" };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v) };
}

/** google.protobuf.Struct from a JSON object. */
function toStruct(o) {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

/** JSON from a google.protobuf.Value as proto-loader decodes it (`kind` names the set field). */
function fromValue(v) {
  switch (v.kind) {
    case "stringValue":
    case "numberValue":
    case "boolValue":
      return v[v.kind];
    case "listValue":
      return (v.listValue.values ?? []).map(fromValue);
    case "structValue":
      return fromStruct(v.structValue);
    default:
      return null;
  }
}

/** A JSON object from a google.protobuf.Struct. */
function fromStruct(s) {
  return Object.fromEntries(Object.entries(s?.fields ?? {}).map(([k, v]) => [k, fromValue(v)]));
}

/** A unary call as a promise, with a 30 s deadline (Loom answers DEADLINE_EXCEEDED at it). */
function unary(client, method, request) {
  const deadline = new Date(Date.now() + 30_000);
  return new Promise((resolve, reject) =>
    client[method](request, { deadline }, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

async function breakpointFlow(resumeLabel, resumeInput) {
  const thread = await unary(threads, "Create", {});
  // First run: stops at the compiled breakpoint before node_b.
  const first = await unary(runs, "Wait", {
    thread_id: thread.thread_id,
    assistant_id: "breakpoints_static",
    input: toValue({}),
    config: toStruct({ tags: ["example"] }),
  });
  const state = await unary(threads, "GetState", { thread_id: thread.thread_id });
  console.log(`paused: ${JSON.stringify(fromStruct(first.values))} next=${JSON.stringify(state.next)}`);
  // Resume: no new input. Over proto, leave `input` unset or send Value{null_value}: both continue.
  const resumed = await unary(runs, "Wait", {
    thread_id: thread.thread_id,
    assistant_id: "breakpoints_static",
    ...resumeInput,
  });
  console.log(
    `resumed (${resumeLabel}): ${JSON.stringify(fromStruct(resumed.values))} ${resumed.run.status}`,
  );
}

try {
  await breakpointFlow("input unset", {});
  await breakpointFlow("input null_value", { input: toValue(null) });
  // A wrongly typed field inside a Struct is refused, naming it.
  await unary(runs, "Wait", {
    assistant_id: "breakpoints_static",
    input: toValue({}),
    config: toStruct({ tags: 5 }),
  }).catch((error) => console.log(`refused: ${grpc.status[error.code]} ${error.details}`));
} finally {
  threads.close();
  runs.close();
}
