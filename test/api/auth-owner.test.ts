/**
 * Custom auth with owner filters (docs/security.md "Custom auth"): an `Auth` module of two users, alice and bob
 * (`test/api/auth/owner-auth.ts`), named in `loom.json`. Over REST, gRPC and Connect, bob gets 404 / NotFound for
 * every route that touches alice's thread or run, cannot find them by search or count (metadata filters with
 * operator-looking values included), and changes nothing; alice can do all of it; the graph sees the caller.
 */
import path from "node:path";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssistantsService } from "../../gen/ts/loom/v1/assistants_pb.js";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { snapshotDb } from "../support/db-snapshot.js";
import { type GrpcClients, grpc, grpcClients, grpcCode, toStruct, toValue } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { projectRoot } from "./support.js";

let server: TestServer;
const ALICE = { authorization: "Bearer alice-token" };
const BOB = { authorization: "Bearer bob-token" };

/** A REST call as `who`: `{status, body}` (body parsed when JSON). */
async function rest(who: Record<string, string> | undefined, method: string, route: string, body?: unknown) {
  const res = await fetch(server.baseUrl + route, {
    method,
    headers: { "content-type": "application/json", ...who },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // an SSE body stays text
  }
  return { status: res.status, body: parsed as Record<string, unknown> & unknown[] };
}

/** alice's thread with one finished run on it, and its head checkpoint. */
interface Owned {
  threadId: string;
  runId: string;
  checkpointId: string;
}

async function aliceThread(): Promise<Owned> {
  const created = await rest(ALICE, "POST", "/threads", { metadata: { topic: "secret-plans" } });
  expect(created.status).toBe(200);
  const threadId = created.body.thread_id as string;
  const run = await rest(ALICE, "POST", `/threads/${threadId}/runs`, { assistant_id: "whoami", input: {} });
  expect(run.status).toBe(200);
  const runId = run.body.run_id as string;
  expect((await rest(ALICE, "GET", `/threads/${threadId}/runs/${runId}/join`)).status).toBe(200);
  const state = await rest(ALICE, "GET", `/threads/${threadId}/state`);
  const checkpointId = (state.body.checkpoint as { checkpoint_id: string }).checkpoint_id;
  return { threadId, runId, checkpointId };
}

beforeAll(async () => {
  server = await startTestServer("api_auth_owner", {
    configPath: path.join(projectRoot, "test/api/auth/loom.auth.json"),
  });
});
afterAll(async () => {
  await server?.close();
});

/** Every REST route on alice's thread or run: `[name, method, path, body]`. */
function restRoutes(o: Owned): Array<[string, string, string, unknown]> {
  const t = `/threads/${o.threadId}`;
  const r = `${t}/runs/${o.runId}`;
  return [
    ["get thread", "GET", t, undefined],
    ["patch thread", "PATCH", t, { metadata: { owner: "bob" } }],
    ["delete thread", "DELETE", t, undefined],
    ["copy thread", "POST", `${t}/copy`, {}],
    ["state", "GET", `${t}/state`, undefined],
    ["state at checkpoint", "GET", `${t}/state/${o.checkpointId}`, undefined],
    ["update_state", "POST", `${t}/state`, { values: { user: "bob" } }],
    ["history (POST)", "POST", `${t}/history`, {}],
    ["history (GET)", "GET", `${t}/history`, undefined],
    ["runs create", "POST", `${t}/runs`, { assistant_id: "whoami", input: {} }],
    [
      "runs create if_not_exists",
      "POST",
      `${t}/runs`,
      { assistant_id: "whoami", input: {}, if_not_exists: "create" },
    ],
    ["runs wait", "POST", `${t}/runs/wait`, { assistant_id: "whoami", input: {} }],
    ["runs stream", "POST", `${t}/runs/stream`, { assistant_id: "whoami", input: {} }],
    ["runs list", "GET", `${t}/runs`, undefined],
    ["run get", "GET", r, undefined],
    ["run join", "GET", `${r}/join`, undefined],
    ["run join-stream", "GET", `${r}/stream`, undefined],
    ["run cancel", "POST", `${r}/cancel`, undefined],
    ["run delete", "DELETE", r, undefined],
    ["thread cron create", "POST", `${t}/runs/crons`, { assistant_id: "whoami", schedule: "0 0 1 1 *" }],
  ];
}

describe("REST", () => {
  let owned: Owned;
  beforeAll(async () => {
    owned = await aliceThread();
  });

  it("stamps the owner on what a caller creates and gives the graph the caller (langgraph_auth_user)", async () => {
    const thread = await rest(ALICE, "GET", `/threads/${owned.threadId}`);
    expect(thread.body.metadata).toMatchObject({ topic: "secret-plans", owner: "alice" });
    const run = await rest(ALICE, "GET", `/threads/${owned.threadId}/runs/${owned.runId}`);
    expect(run.body.metadata).toMatchObject({ owner: "alice" });
    const state = await rest(ALICE, "GET", `/threads/${owned.threadId}/state`);
    expect(state.body.values).toMatchObject({
      userId: "alice",
      user: { identity: "alice", permissions: ["threads:write"], role: "tester", is_authenticated: true },
    });
    // A stateless run creates a thread of its own, stamped with its caller.
    const stateless = await rest(BOB, "POST", "/runs/wait", { assistant_id: "whoami", input: {} });
    expect(stateless.status).toBe(200);
    expect(stateless.body).toMatchObject({ userId: "bob" });
  });

  it("answers 401 without a credential or with a bad one, on every route", async () => {
    for (const [name, method, route, body] of restRoutes(owned)) {
      expect((await rest(undefined, method, route, body)).status, name).toBe(401);
      const bad = await rest({ authorization: "Bearer mallory" }, method, route, body);
      expect(bad.status, name).toBe(401);
      expect(bad.body, name).toEqual({ detail: "Invalid token" });
    }
    expect((await rest(undefined, "POST", "/threads/search", {})).status).toBe(401);
  });

  it("keeps /ok and /info open; /info names the mode", async () => {
    expect((await rest(undefined, "GET", "/ok")).status).toBe(200);
    const info = await rest(undefined, "GET", "/info");
    expect(info.body.auth).toEqual({ enabled: true, mode: "custom" });
  });

  it("answers bob 404 on every route of alice's thread and run, and changes nothing", async () => {
    const before = await snapshotDb(server.testDb.db);
    for (const [name, method, route, body] of restRoutes(owned)) {
      const res = await rest(BOB, method, route, body);
      expect(res.status, name).toBe(404);
    }
    // A thread of alice's id cannot be taken over either.
    expect(
      (await rest(BOB, "POST", "/threads", { thread_id: owned.threadId, if_exists: "do_nothing" })).status,
    ).toBe(409);
    expect(await snapshotDb(server.testDb.db)).toEqual(before);
  });

  it("never lets bob find alice's threads by search or count, whatever the metadata filter", async () => {
    const filters: unknown[] = [
      undefined,
      { owner: "alice" },
      { topic: "secret-plans" },
      { owner: { $ne: null } },
      { owner: { $exists: true } },
      { $or: [{ owner: "alice" }, { owner: "bob" }] },
      { $where: "true" },
    ];
    for (const metadata of filters) {
      const body = metadata === undefined ? {} : { metadata };
      const found = await rest(BOB, "POST", "/threads/search", { ...body, limit: 100 });
      expect(found.status, JSON.stringify(metadata)).toBe(200);
      const ids = (found.body as unknown as Array<{ thread_id: string; metadata: { owner: string } }>).map(
        (t) => t.metadata.owner,
      );
      expect(
        ids.every((o) => o === "bob"),
        JSON.stringify(metadata),
      ).toBe(true);
      const counted = await rest(BOB, "POST", "/threads/count", body);
      const own = (await rest(BOB, "POST", "/threads/search", { limit: 100 })).body.length;
      expect(counted.body, JSON.stringify(metadata)).toBeLessThanOrEqual(own);
    }
    const byId = await rest(BOB, "POST", "/threads/search", { ids: [owned.threadId] });
    expect(byId.body).toEqual([]);
    const mine = await rest(ALICE, "POST", "/threads/search", { metadata: { topic: "secret-plans" } });
    expect((mine.body as unknown as Array<{ thread_id: string }>).map((t) => t.thread_id)).toContain(
      owned.threadId,
    );
    expect(await rest(ALICE, "POST", "/threads/count", { metadata: { owner: "bob" } })).toMatchObject({
      body: 0,
    });
  });

  it("lets alice use every route", async () => {
    const own = await aliceThread();
    const skip = new Set(["delete thread", "run delete", "patch thread", "runs create if_not_exists"]);
    for (const [name, method, route, body] of restRoutes(own)) {
      if (skip.has(name)) continue;
      const res = await rest(ALICE, method, route, body);
      expect([200, 202, 204, 409], `${name}: ${JSON.stringify(res.body)}`).toContain(res.status);
      if (name.startsWith("runs ")) {
        // Let the run end so the next route does not meet a busy thread.
        await expect
          .poll(async () => (await rest(ALICE, "GET", `/threads/${own.threadId}`)).body.status)
          .not.toBe("busy");
      }
    }
    expect((await rest(ALICE, "PATCH", `/threads/${own.threadId}`, { metadata: { a: 1 } })).status).toBe(200);
    expect((await rest(ALICE, "DELETE", `/threads/${own.threadId}/runs/${own.runId}`)).status).toBe(204);
    expect((await rest(ALICE, "DELETE", `/threads/${own.threadId}`)).status).toBe(204);
  });
});

describe("refusing handlers", () => {
  it("returning false or throwing HTTPException(403) answers 403; crashing answers 500 without details; nothing written", async () => {
    const { CRASH_SECRET } = await import("./auth/owner-auth.js");
    const before = await snapshotDb(server.testDb.db);
    const denied = await rest(ALICE, "POST", "/threads", { metadata: { deny: "false" } });
    expect(denied).toMatchObject({ status: 403, body: { detail: "Forbidden" } });
    const thrown = await rest(ALICE, "POST", "/threads", { metadata: { deny: "403" } });
    expect(thrown).toMatchObject({ status: 403, body: { detail: "not for you" } });
    const runDenied = await rest(ALICE, "POST", "/runs/wait", {
      assistant_id: "whoami",
      input: {},
      metadata: { deny: "403" },
    });
    expect(runDenied.status).toBe(403);
    const crashed = await rest(ALICE, "POST", "/threads", { metadata: { deny: "crash" } });
    expect(crashed.status).toBe(500);
    expect(JSON.stringify(crashed.body)).not.toContain(CRASH_SECRET);
    expect(JSON.stringify(crashed.body)).not.toMatch(/\bat .*\.ts:\d+/);
    const grpcAlice = grpcClients(server.port, { metadata: ALICE });
    try {
      const deny = await grpcCode(
        grpcAlice.call("ThreadsService", "Create", { metadata: toStruct({ deny: "false" }) }),
      );
      expect(deny.code).toBe(grpc.status.PERMISSION_DENIED);
      const crash = await grpcCode(
        grpcAlice.call("ThreadsService", "Create", { metadata: toStruct({ deny: "crash" }) }),
      );
      expect(crash.code).toBe(grpc.status.INTERNAL);
      expect(crash.details).not.toContain(CRASH_SECRET);
    } finally {
      grpcAlice.close();
    }
    expect(await snapshotDb(server.testDb.db)).toEqual(before);
  });
});

/** Every RPC on alice's thread or run, as `[name, service, method, request]` in proto-loader form (snake_case). */
function grpcRoutes(
  o: Owned,
): Array<[string, "ThreadsService" | "RunsService", string, Record<string, unknown>]> {
  const t = { thread_id: o.threadId };
  const r = { ...t, run_id: o.runId };
  return [
    ["get", "ThreadsService", "Get", t],
    ["update", "ThreadsService", "Update", { ...t, metadata: toStruct({ owner: "bob" }) }],
    ["delete", "ThreadsService", "Delete", t],
    ["copy", "ThreadsService", "Copy", t],
    ["state", "ThreadsService", "GetState", t],
    ["update_state", "ThreadsService", "UpdateState", { ...t, values: toValue({ user: "bob" }) }],
    ["history", "ThreadsService", "GetHistory", t],
    ["runs create", "RunsService", "Create", { ...t, assistant_id: "whoami", input: toValue({}) }],
    ["runs wait", "RunsService", "Wait", { ...t, assistant_id: "whoami", input: toValue({}) }],
    ["runs list", "RunsService", "List", t],
    ["run get", "RunsService", "Get", r],
    ["run join", "RunsService", "Join", r],
    ["run cancel", "RunsService", "Cancel", r],
    ["run delete", "RunsService", "Delete", r],
  ];
}

describe("gRPC (metadata)", () => {
  let owned: Owned;
  let bob: GrpcClients;
  let alice: GrpcClients;
  let anonymous: GrpcClients;
  beforeAll(async () => {
    owned = await aliceThread();
    bob = grpcClients(server.port, { metadata: BOB });
    alice = grpcClients(server.port, { metadata: ALICE });
    anonymous = grpcClients(server.port);
  });
  afterAll(() => {
    for (const c of [bob, alice, anonymous]) c?.close();
  });

  /** The status code of a server stream's end. */
  function streamCode(c: GrpcClients, service: "RunsService", method: string, req: object): Promise<number> {
    return new Promise((resolve) => {
      const s = c.stream(service, method, req);
      s.on("data", () => undefined);
      s.on("error", (e: grpc.ServiceError) => resolve(e.code));
      s.on("end", () => resolve(grpc.status.OK));
    });
  }

  it("bob gets NOT_FOUND on every RPC of alice's thread and run; no credential is UNAUTHENTICATED", async () => {
    const before = await snapshotDb(server.testDb.db);
    for (const [name, service, method, req] of grpcRoutes(owned)) {
      expect((await grpcCode(bob.call(service, method, req))).code, name).toBe(grpc.status.NOT_FOUND);
      expect((await grpcCode(anonymous.call(service, method, req))).code, name).toBe(
        grpc.status.UNAUTHENTICATED,
      );
    }
    const t = { thread_id: owned.threadId };
    expect(
      await streamCode(bob, "RunsService", "Stream", { ...t, assistant_id: "whoami", input: toValue({}) }),
    ).toBe(grpc.status.NOT_FOUND);
    expect(await streamCode(bob, "RunsService", "JoinStream", { ...t, run_id: owned.runId })).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(await snapshotDb(server.testDb.db)).toEqual(before);
  });

  it("bob's search and count never see alice's threads; alice's do", async () => {
    for (const metadata of [{ owner: "alice" }, { owner: { $ne: null } }, { topic: "secret-plans" }]) {
      const found = await bob.call("ThreadsService", "Search", {
        metadata: toStruct(metadata as never),
        limit: 100,
      });
      expect(found.threads, JSON.stringify(metadata)).toEqual([]);
      const counted = await bob.call("ThreadsService", "Count", { metadata: toStruct(metadata as never) });
      expect(Number(counted.count), JSON.stringify(metadata)).toBe(0);
    }
    const mine = await alice.call("ThreadsService", "Search", { ids: [owned.threadId] });
    expect((mine.threads as Array<{ thread_id: string }>).map((x) => x.thread_id)).toEqual([owned.threadId]);
  });

  it("alice can read, list and join", async () => {
    for (const [name, service, method, req] of grpcRoutes(owned)) {
      if (!["get", "state", "history", "runs list", "run get", "run join"].includes(name)) continue;
      expect((await grpcCode(alice.call(service, method, req))).code, name).toBeUndefined();
    }
  });
});

describe("Connect", () => {
  let owned: Owned;
  const clients = (headers: Record<string, string>) => {
    const transport = createConnectTransport({
      baseUrl: server.baseUrl,
      httpVersion: "1.1",
      interceptors: [
        (next) => (req) => {
          for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
          return next(req);
        },
      ],
    });
    return {
      threads: createClient(ThreadsService, transport),
      runs: createClient(RunsService, transport),
      assistants: createClient(AssistantsService, transport),
    };
  };
  let bob: ReturnType<typeof clients>;
  let alice: ReturnType<typeof clients>;
  beforeAll(async () => {
    owned = await aliceThread();
    bob = clients(BOB);
    alice = clients(ALICE);
  });

  async function code(p: Promise<unknown> | AsyncIterable<unknown>): Promise<Code | undefined> {
    try {
      if (Symbol.asyncIterator in (p as object)) for await (const _ of p as AsyncIterable<unknown>);
      else await p;
      return undefined;
    } catch (e) {
      return ConnectError.from(e).code;
    }
  }

  function calls(c: ReturnType<typeof clients>) {
    const t = { threadId: owned.threadId };
    const r = { ...t, runId: owned.runId };
    const v = fromJson(ValueSchema, { user: "bob" });
    return {
      get: () => c.threads.get(t),
      update: () => c.threads.update({ ...t, metadata: { owner: "bob" } }),
      delete: () => c.threads.delete(t),
      copy: () => c.threads.copy(t),
      state: () => c.threads.getState(t),
      updateState: () => c.threads.updateState({ ...t, values: v }),
      history: () => c.threads.getHistory(t),
      runsCreate: () => c.runs.create({ ...t, assistantId: "whoami", input: fromJson(ValueSchema, {}) }),
      runsWait: () => c.runs.wait({ ...t, assistantId: "whoami", input: fromJson(ValueSchema, {}) }),
      runsStream: () => c.runs.stream({ ...t, assistantId: "whoami", input: fromJson(ValueSchema, {}) }),
      runsList: () => c.runs.list(t),
      runGet: () => c.runs.get(r),
      runJoin: () => c.runs.join(r),
      runJoinStream: () => c.runs.joinStream(r),
      runCancel: () => c.runs.cancel(r),
      runDelete: () => c.runs.delete(r),
    } satisfies Record<string, () => Promise<unknown> | AsyncIterable<unknown>>;
  }

  it("bob gets NotFound on every RPC of alice's thread and run", async () => {
    const before = await snapshotDb(server.testDb.db);
    for (const [name, call] of Object.entries(calls(bob))) {
      expect(await code(call()), name).toBe(Code.NotFound);
    }
    expect(await snapshotDb(server.testDb.db)).toEqual(before);
  });

  it("search and count are narrowed; alice reads her own", async () => {
    const found = await bob.threads.search({ metadata: { owner: { $ne: null } }, limit: 100 });
    expect(found.threads.filter((x) => x.metadata?.owner !== "bob")).toEqual([]);
    expect((await bob.threads.count({ metadata: { owner: "alice" } })).count).toBe(0);
    const a = calls(alice);
    for (const name of ["get", "state", "history", "runsList", "runGet", "runJoin"] as const) {
      expect(await code(a[name]()), name).toBeUndefined();
    }
  });

  it("narrows assistants by the same filters", async () => {
    const mine = await alice.assistants.create({ graphId: "whoami", name: "alice's" });
    expect(mine.metadata?.owner).toBe("alice");
    expect(await code(bob.assistants.get({ assistantId: mine.assistantId }))).toBe(Code.NotFound);
    expect(await code(bob.assistants.delete({ assistantId: mine.assistantId }))).toBe(Code.NotFound);
    const seen = await bob.assistants.search({ metadata: { owner: "alice" } });
    expect(seen.assistants).toEqual([]);
    expect((await alice.assistants.get({ assistantId: mine.assistantId })).name).toBe("alice's");
  });
});
