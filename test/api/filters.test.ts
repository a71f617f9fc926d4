/**
 * Metadata and values filters are JSON containment (LangGraph's `metadata @> filter`), never query operators:
 * a `$`-prefixed key is a literal key, a nested object must be contained, and `null` matches only a stored
 * `null`. Checked over REST and gRPC (grpc-js) against the real server and `mongod`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GrpcClients, grpcClients, type Json, toStruct } from "../support/grpc-client.js";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let B: string;
let grpcApi: GrpcClients;
const TAG = `filters-${Date.now()}`;
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startApiServer("api_filters");
  B = server.baseUrl;
  grpcApi = grpcClients(server.port);
  const metadata: Record<string, Record<string, Json>> = {
    alice: { tag: TAG, owner: "alice", nested: { a: 1, b: 2 }, zz: null },
    bob: { tag: TAG, owner: "bob", $ne: "x", "a.b": "dotted" },
    bare: { tag: TAG },
  };
  for (const [name, md] of Object.entries(metadata)) {
    const r = await call(B, "POST", "/threads", { metadata: md });
    expect(r.status).toBe(200);
    ids[name] = (r.body as { thread_id: string }).thread_id;
  }
});
afterAll(async () => {
  grpcApi?.close();
  await server?.close();
});

/** The names of the test threads a metadata filter matches over REST search, REST count and gRPC Search/Count. */
async function matches(filter: Record<string, Json>): Promise<string[]> {
  const metadata = { tag: TAG, ...filter };
  const search = await call(B, "POST", "/threads/search", { metadata, limit: 100 });
  expect(search.status).toBe(200);
  const found = (search.body as Array<{ thread_id: string }>).map((t) => t.thread_id);
  const names = Object.keys(ids)
    .filter((n) => found.includes(ids[n] as string))
    .sort();
  const count = await call(B, "POST", "/threads/count", { metadata });
  expect(count.body).toBe(names.length);
  const rpcSearch = await grpcApi.call("ThreadsService", "Search", {
    metadata: toStruct(metadata),
    limit: 100,
  });
  const rpcFound = (rpcSearch.threads as Array<{ thread_id: string }>).map((t) => t.thread_id).sort();
  expect(rpcFound).toEqual(names.map((n) => ids[n]).sort());
  const rpcCount = await grpcApi.call("ThreadsService", "Count", { metadata: toStruct(metadata) });
  expect(rpcCount.count).toBe(names.length);
  return names;
}

describe("thread filters are containment", () => {
  it("an operator object is a literal nested object, so it matches nothing", async () => {
    expect(await matches({ owner: { $ne: null } })).toEqual([]);
    expect(await matches({ owner: { $exists: true } })).toEqual([]);
    expect(await matches({ owner: { $in: ["alice", "bob"] } })).toEqual([]);
    expect(await matches({ owner: { $regex: ".*" } })).toEqual([]);
  });

  it("null matches a stored null only, never a missing key", async () => {
    expect(await matches({ missing_key: null })).toEqual([]);
    expect(await matches({ owner: "alice", zz: null })).toEqual(["alice"]);
    expect(await matches({ zz: null })).toEqual(["alice"]);
    expect(await matches({ nested: { c: null } })).toEqual([]);
  });

  it("a $-prefixed or dotted key is a literal key", async () => {
    expect(await matches({ $ne: "x" })).toEqual(["bob"]);
    expect(await matches({ $ne: null })).toEqual([]);
    expect(await matches({ $where: "true" })).toEqual([]);
    expect(await matches({ "a.b": "dotted" })).toEqual(["bob"]);
    expect(await matches({ a: { b: "dotted" } })).toEqual([]);
  });

  it("a nested object must be contained", async () => {
    expect(await matches({ nested: { a: 1 } })).toEqual(["alice"]);
    expect(await matches({ nested: { a: 1, b: 2 } })).toEqual(["alice"]);
    expect(await matches({ nested: { a: 1, c: 3 } })).toEqual([]);
    expect(await matches({ nested: {} })).toEqual(["alice"]);
    expect(await matches({})).toEqual(["alice", "bare", "bob"]);
  });

  it("values filters follow the same rules", async () => {
    const r = await call(B, "POST", "/threads/search", {
      metadata: { tag: TAG },
      values: { missing: null },
      limit: 100,
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([]);
    const op = await call(B, "POST", "/threads/count", { metadata: { tag: TAG }, values: { $ne: null } });
    expect(op.body).toBe(0);
  });
});

describe("assistant filters are containment", () => {
  it("an operator in an assistants filter is a literal key", async () => {
    const all = await call(B, "POST", "/assistants/count", {});
    expect(all.body as number).toBeGreaterThan(0);
    for (const metadata of [{ $ne: null }, { created_by: { $ne: null } }, { missing: null }] as Array<
      Record<string, Json>
    >) {
      const count = await call(B, "POST", "/assistants/count", { metadata });
      expect(count.body).toBe(0);
      const search = await call(B, "POST", "/assistants/search", { metadata, limit: 100 });
      expect(search.body).toEqual([]);
      const rpcCount = await grpcApi.call("AssistantsService", "Count", { metadata: toStruct(metadata) });
      expect(rpcCount.count).toBe(0);
      const rpcSearch = await grpcApi.call("AssistantsService", "Search", {
        metadata: toStruct(metadata),
        limit: 100,
      });
      expect(rpcSearch.assistants).toEqual([]);
    }
    const system = await call(B, "POST", "/assistants/count", { metadata: { created_by: "system" } });
    expect(system.body).toBe(all.body);
  });
});

describe("history metadata filter", () => {
  it("null matches a stored null only", async () => {
    const tid = (await call(B, "POST", "/threads", {})).body as { thread_id: string };
    await call(B, "POST", `/threads/${tid.thread_id}/runs/wait`, { assistant_id: "joke", input: {} });
    const all = await call(B, "POST", `/threads/${tid.thread_id}/history`, { limit: 100 });
    expect((all.body as unknown[]).length).toBeGreaterThan(0);
    const none = await call(B, "POST", `/threads/${tid.thread_id}/history`, {
      limit: 100,
      metadata: { missing_key: null },
    });
    expect(none.body).toEqual([]);
    const op = await call(B, "POST", `/threads/${tid.thread_id}/history`, {
      limit: 100,
      metadata: { source: { $ne: null } },
    });
    expect(op.body).toEqual([]);
  });
});
