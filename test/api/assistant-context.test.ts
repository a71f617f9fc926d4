/**
 * Run context and subgraph listing (docs/api.md §5 `context`, §3 `GET /assistants/{id}/subgraphs`) through the JS
 * SDK, fetch and a Connect client (gRPC over h2c), for a Loom graph and a hosted LangGraph.js graph. A Loom graph
 * with a context schema (`typed_context`) refuses an invalid merged context before anything is written, applies
 * the schema's defaults and publishes the schema as `context_schema`.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssistantsService } from "../../gen/ts/loom/v1/assistants_pb.js";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { CONTEXT_CLASH_MESSAGE } from "../../src/service/context-clash.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { call, projectRoot } from "./support.js";

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer("api_assistant_context", {
    configPath: `${projectRoot}/test/api/loom.versions.json`,
  });
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

const grpc = () => createGrpcTransport({ baseUrl: server.baseUrl });

const STATE_SCHEMA_KEYS = [
  "input_schema",
  "output_schema",
  "state_schema",
  "config_schema",
  "context_schema",
];

describe("run context", () => {
  it("reaches a Loom node and its subgraphs as ctx.context, the run's keys over the assistant's", async () => {
    const a = await client.assistants.create({ graphId: "context", context: { user: "ada", lang: "en" } });
    const thread = await client.threads.create();
    const out = (await client.runs.wait(thread.thread_id, a.assistant_id, {
      input: {},
      context: { lang: "fr", tz: "UTC" },
    })) as Obj;
    expect(out.context).toEqual({ user: "ada", lang: "fr", tz: "UTC" });
    expect(out.inner_context).toEqual({ user: "ada", lang: "fr", tz: "UTC" });
    const plain = (await client.runs.wait(thread.thread_id, a.assistant_id, { input: {} })) as Obj;
    expect(plain.context).toEqual({ user: "ada", lang: "en" });
  });

  it("reaches a LangGraph.js node inside a subgraph as LangGraph's runtime context (config.context)", async () => {
    const a = await client.assistants.create({ graphId: "lg_context", context: { user_name: "Ada" } });
    const out = (await client.runs.wait(null, a.assistant_id, {
      input: {},
      context: { language: "fr" },
    })) as Obj;
    expect(out.answer).toBe("Bonjour, Ada!");
    expect(out.seen).toEqual({ user_name: "Ada", language: "fr" });
    // A stateless run deletes its thread when it ends (on_completion "delete"), so a join that comes after
    // the end would answer 404; "keep" makes the join independent of timing. The JS SDK types
    // `onCompletion` as "complete" | "continue", so the run is created over plain REST.
    const created = await call(server.baseUrl, "POST", "/runs", {
      assistant_id: "lg_context",
      input: {},
      context: { user_name: "Bo" },
      on_completion: "keep",
    });
    expect(created.status).toBe(200);
    const background = created.body as { thread_id: string; run_id: string };
    expect((await client.runs.join(background.thread_id, background.run_id)) as Obj).toMatchObject({
      answer: "Hello, Bo!",
    });
  });

  it("configurable and context together: 400 with the Python server's message, nothing written", async () => {
    const thread = await client.threads.create();
    const clash = { config: { configurable: { model: "x" } }, context: { user: "ada" } };
    const r1 = await call(server.baseUrl, "POST", `/threads/${thread.thread_id}/runs`, {
      assistant_id: "context",
      input: {},
      ...clash,
    });
    expect(r1).toMatchObject({ status: 400, body: { detail: CONTEXT_CLASH_MESSAGE } });
    const r2 = await call(server.baseUrl, "POST", "/runs/wait", {
      assistant_id: "context",
      input: {},
      ...clash,
    });
    expect(r2.status).toBe(400);
    expect(await client.runs.list(thread.thread_id)).toEqual([]);
    expect((await client.threads.get(thread.thread_id)).status).toBe("idle");

    const before = await client.assistants.count({ graphId: "context" });
    const r3 = await call(server.baseUrl, "POST", "/assistants", { graph_id: "context", ...clash });
    expect(r3).toMatchObject({ status: 400, body: { detail: CONTEXT_CLASH_MESSAGE } });
    expect(await client.assistants.count({ graphId: "context" })).toBe(before);
    const a = await client.assistants.create({ graphId: "context" });
    const r4 = await call(server.baseUrl, "PATCH", `/assistants/${a.assistant_id}`, clash);
    expect(r4.status).toBe(400);
    expect((await client.assistants.getVersions(a.assistant_id)).map((v) => v.version)).toEqual([1]);
    // Either one alone is fine, and so are empty objects next to the other.
    const ok = await call(server.baseUrl, "POST", "/runs/wait", {
      assistant_id: "context",
      input: {},
      config: { configurable: {} },
      context: { user: "ada" },
    });
    expect(ok).toMatchObject({ status: 200, body: { context: { user: "ada" } } });
  });

  it("over gRPC: the clash is InvalidArgument; versions and setLatest answer like REST", async () => {
    const runs = createClient(RunsService, grpc());
    const assistants = createClient(AssistantsService, grpc());
    const error = await runs
      .wait({ assistantId: "context", config: { configurable: { model: "x" } }, context: { user: "ada" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toBe(CONTEXT_CLASH_MESSAGE);

    const a = await assistants.create({ graphId: "context", config: { configurable: { model: "one" } } });
    await assistants.update({ assistantId: a.assistantId, config: { configurable: { model: "two" } } });
    const listed = await assistants.listVersions({ assistantId: a.assistantId });
    expect(listed.versions.map((v) => v.version)).toEqual([2, 1]);
    const pinned = await assistants.setLatest({ assistantId: a.assistantId, version: 1 });
    expect(pinned.version).toBe(1);
    expect(pinned.config).toEqual({ configurable: { model: "one" } });
    const missing = await assistants.setLatest({ assistantId: a.assistantId, version: 9 }).catch((e) => e);
    expect((missing as ConnectError).code).toBe(Code.NotFound);
    const sub = await assistants.getSubgraphs({ assistantId: "nested" });
    expect(Object.keys(sub.fields)).toEqual(["sub"]);
  });

  it("over gRPC: an unknown assistant is NotFound naming it; a bad limit or offset is InvalidArgument; nothing written", async () => {
    const assistants = createClient(AssistantsService, grpc());
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    const unknown = "00000000-0000-4000-8000-00000000abcd";
    for (const assistantId of [unknown, "no_such_graph"]) {
      // One call at a time: a second call's rejection must not wait unhandled while the first is awaited.
      for (const call of [
        () => assistants.getSubgraphs({ assistantId }),
        () => assistants.listVersions({ assistantId }),
      ]) {
        const err = await refusal(call());
        expect(err?.code, assistantId).toBe(Code.NotFound);
        expect(err?.rawMessage).toContain(assistantId);
      }
    }
    const a = await assistants.create({ graphId: "context", config: { configurable: { model: "one" } } });
    const before = await assistants.get({ assistantId: a.assistantId });
    const bad: Array<[{ limit?: number; offset?: number }, RegExp]> = [
      [{ limit: -1 }, /limit/],
      [{ limit: 1001 }, /limit/],
      [{ offset: -1 }, /offset/],
    ];
    for (const [page, message] of bad) {
      const err = await refusal(assistants.listVersions({ assistantId: a.assistantId, ...page }));
      expect(err?.code, JSON.stringify(page)).toBe(Code.InvalidArgument);
      expect(err?.rawMessage).toMatch(message);
    }
    expect(await assistants.get({ assistantId: a.assistantId })).toEqual(before);
    const versions = await assistants.listVersions({ assistantId: a.assistantId });
    expect(versions.versions.map((v) => v.version)).toEqual([1]);
    expect(await server.testDb.db.collection("assistants").countDocuments({ _id: unknown as never })).toBe(0);
  });
});

describe("context schema", () => {
  const INVALID = /^Invalid context: user_id: .*; lang: /;

  it("a valid merged context reaches the node with the schema's defaults applied", async () => {
    const a = await client.assistants.create({ graphId: "typed_context", context: { user_id: "ada" } });
    const thread = await client.threads.create();
    const out = (await client.runs.wait(thread.thread_id, a.assistant_id, { input: {} })) as Obj;
    expect(out).toEqual({ greeting: "Hello, ada!", seen: { user_id: "ada", lang: "en" } });
    const fr = (await client.runs.wait(null, a.assistant_id, { input: {}, context: { lang: "fr" } })) as Obj;
    expect(fr.greeting).toBe("Bonjour, ada!");
  });

  it("REST: an invalid context is 422 naming the fields; no run, thread or checkpoint is written", async () => {
    const threadsBefore = await client.threads.count();
    const thread = await client.threads.create();
    const bad = { assistant_id: "typed_context", input: {}, context: { lang: "de" } };
    const r1 = await call(server.baseUrl, "POST", `/threads/${thread.thread_id}/runs/wait`, bad);
    expect(r1.status).toBe(422);
    expect((r1.body as { detail: string }).detail).toMatch(INVALID);
    expect(await client.runs.list(thread.thread_id)).toEqual([]);
    expect(await client.threads.getHistory(thread.thread_id)).toEqual([]);
    const missing = "00000000-0000-4000-8000-00000000c7c7";
    const r2 = await call(server.baseUrl, "POST", `/threads/${missing}/runs`, {
      ...bad,
      if_not_exists: "create",
    });
    expect(r2.status).toBe(422);
    expect((await call(server.baseUrl, "GET", `/threads/${missing}`)).status).toBe(404);
    const r3 = await call(server.baseUrl, "POST", "/runs/stream", { ...bad, context: { user_id: "" } });
    expect(r3.status).toBe(422);
    expect((r3.body as { detail: string }).detail).toMatch(/^Invalid context: user_id: /);
    expect(await client.threads.count()).toBe(threadsBefore + 1);
    const cron = await call(server.baseUrl, "POST", "/runs/crons", { ...bad, schedule: "0 0 * * *" });
    expect(cron.status).toBe(422);
  });

  it("Connect (gRPC): an invalid context is InvalidArgument with the same message", async () => {
    const runs = createClient(RunsService, grpc());
    const error = await runs
      .wait({ assistantId: "typed_context", context: { lang: "en" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toMatch(/^Invalid context: user_id: /);
  });

  it("GET /assistants/{id}/schemas publishes the context schema as JSON Schema; free-form without one", async () => {
    const schemas = (await client.assistants.getSchemas("typed_context")) as unknown as Obj;
    expect(schemas.context_schema).toEqual({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "Context",
      type: "object",
      properties: {
        user_id: { type: "string", minLength: 1 },
        lang: { type: "string", enum: ["en", "fr"], default: "en" },
      },
      required: ["user_id"],
    });
    const plain = (await client.assistants.getSchemas("context")) as unknown as Obj;
    expect(plain.context_schema).toEqual({ title: "Context", type: "object", properties: {} });
  });
});

describe("subgraphs", () => {
  it("Loom graph: direct subgraphs, recurse, and by namespace", async () => {
    const direct = await client.assistants.getSubgraphs("context");
    expect(Object.keys(direct)).toEqual(["mid"]);
    expect(Object.keys(direct.mid ?? {}).sort()).toEqual([...STATE_SCHEMA_KEYS].sort());
    expect(direct.mid?.state_schema).toMatchObject({
      title: "mid",
      type: "object",
      properties: { model: {}, context: {}, inner_context: {} },
    });
    const all = await client.assistants.getSubgraphs("context", { recurse: true });
    expect(Object.keys(all)).toEqual(["mid", "mid|inner"]);
    expect(all["mid|inner"]?.state_schema).toMatchObject({ title: "inner" });
    expect(Object.keys(await client.assistants.getSubgraphs("context", { namespace: "mid" }))).toEqual([
      "mid",
    ]);
    const deep = await client.assistants.getSubgraphs("context", { namespace: "mid|inner", recurse: true });
    expect(Object.keys(deep)).toEqual(["mid|inner"]);
    expect(await client.assistants.getSubgraphs("context", { namespace: "nope" })).toEqual({});
    expect(await client.assistants.getSubgraphs("agent")).toEqual({});
    const a = await client.assistants.create({ graphId: "nested" });
    expect(Object.keys(await client.assistants.getSubgraphs(a.assistant_id))).toEqual(["sub"]);
  });

  it("hosted LangGraph.js graph: its subgraph with the state channels", async () => {
    const subgraphs = await client.assistants.getSubgraphs("lg_context", { recurse: true });
    expect(Object.keys(subgraphs)).toEqual(["greeter"]);
    expect(subgraphs.greeter?.state_schema).toMatchObject({
      title: "greeter",
      properties: { answer: {}, seen: {} },
    });
  });

  it("unknown assistant: 404", async () => {
    const r = await call(server.baseUrl, "GET", "/assistants/00000000-0000-4000-8000-000000000000/subgraphs");
    expect(r.status).toBe(404);
  });
});
