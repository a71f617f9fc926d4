/**
 * Strict input (docs/api.md §10): a request field of the wrong type is refused by its message's schema, naming the
 * field, before anything is written: REST 422, Connect `invalid_argument`, gRPC INVALID_ARGUMENT. The fields that
 * protobuf does not type (inside `config`, `input`, `command`) are checked the same way after a gRPC client built
 * them as `google.protobuf.Struct` / `Value`. Each case reads the whole database before and after.
 */
import { fromJson, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssistantsService } from "../../gen/ts/loom/v1/assistants_pb.js";
import { type CreateRunRequestSchema, RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { type DbSnapshot, snapshotDb } from "../support/db-snapshot.js";
import {
  type GrpcClients,
  grpc,
  grpcClients,
  grpcCode,
  type RawMessage,
  toStruct,
  toValue,
} from "../support/grpc-client.js";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let B: string;
let grpcApi: GrpcClients;
let runsRpc: ReturnType<typeof createClient<typeof RunsService>>;
let assistantsRpc: ReturnType<typeof createClient<typeof AssistantsService>>;
let tid: string;

type Obj = Record<string, unknown>;
const snapshot = (): Promise<DbSnapshot> => snapshotDb(server.testDb.db);

beforeAll(async () => {
  server = await startApiServer("api_strict_input");
  B = server.baseUrl;
  grpcApi = grpcClients(server.port);
  const transport = createConnectTransport({ baseUrl: B, httpVersion: "1.1" });
  runsRpc = createClient(RunsService, transport);
  assistantsRpc = createClient(AssistantsService, transport);
  tid = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
});
afterAll(async () => {
  grpcApi?.close();
  await server?.close();
});

/** Wrong bodies for the run routes, each with the message that must name its field. */
const BAD_RUNS: { body: Obj; detail: RegExp }[] = [
  {
    body: { interrupt_before: "node_a" },
    detail: /^interrupt_before must be a list of node names or "\*"$/,
  },
  { body: { interrupt_after: 5 }, detail: /^interrupt_after must be a list of node names or "\*"$/ },
  { body: { config: { tags: 5 } }, detail: /^config\.tags must be a list of strings$/ },
  { body: { config: { tags: ["a", 5] } }, detail: /^config\.tags\[1\] must be a string$/ },
  { body: { config: { configurable: "x" } }, detail: /^config\.configurable must be an object$/ },
  { body: { config: "x" }, detail: /config/ },
  { body: { input: [1, 2] }, detail: /^input must be an object or null$/ },
  { body: { command: { update: 5 } }, detail: /^command\.update must be / },
];

function expectDetail(r: { status: number; body: unknown }, status: number, detail: RegExp) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect((r.body as Obj).detail).toMatch(detail);
}

async function connectError(p: Promise<unknown>): Promise<ConnectError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe("REST: every run route refuses a mistyped field with 422 naming it, writing nothing", () => {
  it("threaded wait, background create and stream; stateless wait", async () => {
    const before = await snapshot();
    const routes = [
      `/threads/${tid}/runs/wait`,
      `/threads/${tid}/runs`,
      `/threads/${tid}/runs/stream`,
      "/runs/wait",
    ];
    for (const route of routes) {
      for (const { body, detail } of BAD_RUNS) {
        const r = await call(B, "POST", route, { assistant_id: "breakpoints", input: {}, ...body });
        expectDetail(r, 422, detail);
      }
    }
    // The JSON name of a field is held to the same rule.
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: "breakpoints",
        interruptBefore: "node_a",
      }),
      422,
      /^interrupt_before must be /,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('assistants: config.tags as a number, context as a list → 422; interrupt_before "*" and lists still run', async () => {
    const before = await snapshot();
    expectDetail(
      await call(B, "POST", "/assistants", { graph_id: "breakpoints", config: { tags: 5 } }),
      422,
      /^config\.tags must be /,
    );
    expectDetail(
      await call(B, "POST", "/assistants", { graph_id: "breakpoints", context: [1] }),
      422,
      /^context must be /,
    );
    expect(await snapshot()).toEqual(before);
    const star = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "breakpoints",
      input: {},
      interrupt_before: "*",
      stream_mode: "values",
      config: { tags: ["t"], configurable: { x: 1 } },
    });
    expect(star.status, JSON.stringify(star.body)).toBe(200);
    const list = await call(B, "POST", "/runs/wait", {
      assistant_id: "breakpoints",
      input: {},
      interrupt_before: ["node_b"],
    });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    // Stopped before node_b: a static breakpoint answers the state with an empty `__interrupt__`.
    expect(list.body).toEqual({ messages: ["node_a"], __interrupt__: [] });
  });
});

describe("Connect JSON: the same fields refused with invalid_argument, writing nothing", () => {
  it("Struct fields built by the generated client (config.tags, config.configurable, input, command)", async () => {
    const before = await snapshot();
    const base = { threadId: tid, assistantId: "breakpoints" };
    // Struct fields are plain JSON objects in protobuf-es; Value fields are built from JSON with ValueSchema.
    const value = (json: JsonValue) => fromJson(ValueSchema, json);
    const cases: { req: MessageInitShape<typeof CreateRunRequestSchema>; detail: RegExp }[] = [
      { req: { ...base, config: { tags: 5 } }, detail: /^config\.tags must be a list of strings$/ },
      {
        req: { ...base, config: { configurable: "x" } },
        detail: /^config\.configurable must be an object$/,
      },
      { req: { ...base, input: value([1]) }, detail: /^input must be an object or null$/ },
      { req: { ...base, command: { update: value(5) } }, detail: /^command\.update must be / },
    ];
    for (const { req, detail } of cases) {
      for (const send of [() => runsRpc.wait(req), () => runsRpc.create(req)]) {
        const e = await connectError(send());
        expect(e.code, e.message).toBe(Code.InvalidArgument);
        expect(e.rawMessage).toMatch(detail);
      }
      const e = await connectError(
        (async () => {
          for await (const _ of runsRpc.stream(req)) {
            // a refused stream yields nothing
          }
        })(),
      );
      expect(e.code).toBe(Code.InvalidArgument);
      expect(e.rawMessage).toMatch(detail);
    }
    const assistant = await connectError(
      assistantsRpc.create({ graphId: "breakpoints", config: { configurable: "x" } }),
    );
    expect(assistant.code).toBe(Code.InvalidArgument);
    expect(assistant.rawMessage).toMatch(/^config\.configurable must be /);
    expect(await snapshot()).toEqual(before);
  });

  it("a lone string for interrupt_before in a hand-written Connect JSON body → 400 invalid_argument naming it", async () => {
    const before = await snapshot();
    const res = await fetch(`${B}/loom.v1.RunsService/Wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ threadId: tid, assistantId: "breakpoints", interruptBefore: "node_a" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Obj;
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toMatch(/interrupt_?before/i);
    expect(await snapshot()).toEqual(before);
  });
});

describe("grpc-js: Struct / Value fields checked after conversion, INVALID_ARGUMENT, nothing written", () => {
  const wrong: { req: RawMessage; detail: RegExp }[] = [
    { req: { config: toStruct({ tags: 5 }) }, detail: /^config\.tags must be a list of strings$/ },
    {
      req: { config: toStruct({ configurable: "x" }) },
      detail: /^config\.configurable must be an object$/,
    },
    {
      req: { config: toStruct({ recursion_limit: 0 }) },
      detail: /^config\.recursion_limit must be a positive integer$/,
    },
    { req: { input: toValue([1]) }, detail: /^input must be an object or null$/ },
    { req: { command: { update: toValue(5) } }, detail: /^command\.update must be / },
    { req: { command: { goto: toValue(5) } }, detail: /^command\.goto must be / },
  ];

  it("Wait, Create and Stream", async () => {
    const before = await snapshot();
    for (const { req, detail } of wrong) {
      const full = { thread_id: tid, assistant_id: "breakpoints", ...req };
      for (const method of ["Wait", "Create"]) {
        const got = await grpcCode(grpcApi.call("RunsService", method, full));
        expect(got, `${method} ${JSON.stringify(req)}`).toMatchObject({
          code: grpc.status.INVALID_ARGUMENT,
          details: expect.stringMatching(detail),
        });
      }
      const streamed = await new Promise<{ code: number; details: string; parts: number }>((resolve) => {
        let parts = 0;
        const s = grpcApi.stream("RunsService", "Stream", full);
        s.on("data", () => {
          parts += 1;
        });
        s.on("error", (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details, parts }));
        s.on("end", () => resolve({ code: grpc.status.OK, details: "", parts }));
      });
      expect(streamed).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, parts: 0 });
      expect(streamed.details).toMatch(detail);
    }
    const assistant = await grpcCode(
      grpcApi.call("AssistantsService", "Create", { graph_id: "breakpoints", config: toStruct({ tags: 5 }) }),
    );
    expect(assistant).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^config\.tags must be /),
    });
    expect(await snapshot()).toEqual(before);
  });

  it("a Value with no kind set → INVALID_ARGUMENT naming the field, not INTERNAL", async () => {
    const before = await snapshot();
    // `{}` for a Value field encodes a present Value whose `kind` oneof is empty (no JSON form).
    const got = await grpcCode(
      grpcApi.call("RunsService", "Wait", { thread_id: tid, assistant_id: "breakpoints", input: {} }),
    );
    expect(got).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^input /),
    });
    const thread = await grpcCode(
      grpcApi.call("ThreadsService", "Create", {
        metadata: toStruct({ graph_id: "breakpoints" }),
        supersteps: [{ updates: [{ values: {}, as_node: "node_a" }] }],
      }),
    );
    expect(thread).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^supersteps /),
    });
    expectDetail(
      await call(B, "POST", "/threads", { supersteps: 5 }),
      422,
      /^supersteps must be a list of supersteps$/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it("well-typed Struct config still runs over grpc-js", async () => {
    const ok = await grpcApi.call("RunsService", "Wait", {
      assistant_id: "breakpoints",
      input: toValue({}),
      config: toStruct({ tags: ["t"], configurable: { x: 1 }, recursion_limit: 10 }),
      interrupt_before: ["node_c"],
    });
    expect((ok.run as RawMessage).status).toBe("success");
  });
});
