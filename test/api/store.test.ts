/**
 * The long-term memory store (docs/store.md) on a real server and `mongod`: the REST routes with fetch, the
 * official JS SDK's `client.store`, a gRPC call through connect-node's gRPC transport, literal filters, TTL expiry
 * and refresh, validation before any write, `/info`, and graphs that use the store (Loom `ctx.store`, LangGraph.js
 * `getStore()` / `config.store`).
 */
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreService } from "../../gen/ts/loom/v1/store_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { call, projectRoot } from "./support.js";

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer("api_store", {
    configPath: path.join(projectRoot, "test/api/loom.store.json"),
  });
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;
const rest = (method: string, route: string, body?: unknown) => call(server.baseUrl, method, route, body);
const put = (namespace: string[], key: string, value: unknown, extra: Obj = {}) =>
  rest("PUT", "/store/items", { namespace, key, value, ...extra });
const get = (namespace: string[], key: string, query = "") =>
  rest(
    "GET",
    `/store/items?${namespace.map((l) => `namespace=${encodeURIComponent(l)}`).join("&")}&key=${encodeURIComponent(key)}${query}`,
  );
const search = (body: Obj) => rest("POST", "/store/items/search", body);
const keys = (body: unknown) => ((body as { items: Obj[] }).items ?? []).map((i) => i.key);
const stored = () => server.testDb.db.collection("store_items").countDocuments();

describe("REST /store routes", () => {
  it("put → 204, get → the item with timestamps, replace keeps created_at, delete → 204 then null", async () => {
    const ns = ["rest", "u1"];
    const created = await put(ns, "k1", { text: "hello", n: 1 });
    expect(created.status).toBe(204);
    const first = await get(ns, "k1");
    expect(first.status).toBe(200);
    const item = first.body as Obj;
    expect(item).toMatchObject({ namespace: ns, key: "k1", value: { text: "hello", n: 1 } });
    expect(Number.isNaN(Date.parse(String(item.created_at)))).toBe(false);
    expect(item.expires_at).toBeUndefined();

    expect((await put(ns, "k1", { text: "again" })).status).toBe(204);
    const replaced = (await get(ns, "k1")).body as Obj;
    expect(replaced.value).toEqual({ text: "again" });
    expect(replaced.created_at).toBe(item.created_at);
    expect(Date.parse(String(replaced.updated_at))).toBeGreaterThanOrEqual(
      Date.parse(String(item.updated_at)),
    );

    // The SDKs send the namespace dot-joined in one parameter.
    const joined = await rest("GET", "/store/items?namespace=rest.u1&key=k1");
    expect((joined.body as Obj).value).toEqual({ text: "again" });

    expect((await rest("DELETE", "/store/items", { namespace: ns, key: "k1" })).status).toBe(204);
    const gone = await get(ns, "k1");
    expect(gone.status).toBe(200);
    expect(gone.body).toBeNull();
    expect((await rest("DELETE", "/store/items", { namespace: ns, key: "k1" })).status).toBe(204);
  });

  it("search: namespace prefix by whole labels, newest first, filter, limit/offset, text query", async () => {
    await put(["docs", "a"], "d1", { kind: "note", text: "the quick brown fox", tags: ["x", "y"] });
    await put(["docs", "a", "deep"], "d2", { kind: "note", text: "lazy dogs sleep all day" });
    await put(["docs", "b"], "d3", { kind: "todo", text: "buy fox food", meta: { owner: "ann", prio: 2 } });
    await put(["docsx"], "d4", { kind: "note", text: "not under docs" });

    expect(keys((await search({ namespace_prefix: ["docs"] })).body)).toEqual(["d3", "d2", "d1"]);
    expect(keys((await search({ namespace_prefix: ["docs", "a"] })).body)).toEqual(["d2", "d1"]);
    expect(keys((await search({ namespace_prefix: ["docs"], limit: 1, offset: 1 })).body)).toEqual(["d2"]);
    expect(keys((await search({ namespace_prefix: ["docs"], filter: { kind: "note" } })).body)).toEqual([
      "d2",
      "d1",
    ]);
    expect(
      keys((await search({ namespace_prefix: ["docs"], filter: { meta: { owner: "ann" } } })).body),
    ).toEqual(["d3"]);
    expect(keys((await search({ namespace_prefix: ["docs"], filter: { tags: "x" } })).body)).toEqual(["d1"]);
    const found = await search({ namespace_prefix: ["docs"], query: "fox" });
    expect(found.status).toBe(200);
    expect(new Set(keys(found.body))).toEqual(new Set(["d1", "d3"]));
    for (const i of (found.body as { items: Obj[] }).items) expect(typeof i.score).toBe("number");
    expect(keys((await search({ namespace_prefix: [], query: "docs" })).body)).toEqual(["d4"]);
  });

  it("index: false keeps an item out of text search; a field list indexes only those fields", async () => {
    await put(["idx"], "none", { text: "zebra" }, { index: false });
    await put(["idx"], "title", { title: "zebra crossing", body: "giraffe" }, { index: ["title"] });
    expect(keys((await search({ namespace_prefix: ["idx"], query: "zebra" })).body)).toEqual(["title"]);
    expect(keys((await search({ namespace_prefix: ["idx"], query: "giraffe" })).body)).toEqual([]);
    expect(keys((await search({ namespace_prefix: ["idx"] })).body)).toEqual(["title", "none"]);
  });

  it("filters that look like MongoDB operators match only literally", async () => {
    const ns = ["ops"];
    await put(ns, "five", { score: 5, where: "x" });
    await put(ns, "gt", { score: { $gt: 1 } });
    await put(ns, "dollar", { $where: "1 == 1", "a.b": 1 });
    await put(ns, "$key", { plain: true });
    const match = async (filter: Obj) => keys((await search({ namespace_prefix: ns, filter })).body);
    expect(await match({ score: { $gt: 1 } })).toEqual(["gt"]);
    expect(await match({ score: { $gt: 100 } })).toEqual([]);
    expect(await match({ $where: "1 == 1" })).toEqual(["dollar"]);
    expect(await match({ $where: "true" })).toEqual([]);
    expect(await match({ $or: [{ score: 5 }] })).toEqual([]);
    expect(await match({ "a.b": 1 })).toEqual(["dollar"]);
    expect(await match({ score: { $exists: true } })).toEqual([]);
    expect(await match({ where: { $regex: "." } })).toEqual([]);
    // A key starting with `$` is an ordinary key, and values round-trip with their `$` and `.` keys.
    expect((await get(ns, "$key")).body).toMatchObject({ key: "$key", value: { plain: true } });
    expect(((await get(ns, "dollar")).body as Obj).value).toEqual({ $where: "1 == 1", "a.b": 1 });
  });

  it("namespaces: prefix, suffix, '*' wildcard, max_depth, limit/offset", async () => {
    for (const ns of [
      ["org", "a", "users"],
      ["org", "a", "teams"],
      ["org", "b", "users"],
      ["org", "b", "users", "archive"],
    ]) {
      await put(["nsl", ...ns], "k", { v: 1 });
    }
    const list = async (body: Obj) => {
      const res = await rest("POST", "/store/namespaces", body);
      expect(res.status).toBe(200);
      return (res.body as { namespaces: string[][] }).namespaces;
    };
    expect(await list({ prefix: ["nsl", "org"] })).toEqual([
      ["nsl", "org", "a", "teams"],
      ["nsl", "org", "a", "users"],
      ["nsl", "org", "b", "users"],
      ["nsl", "org", "b", "users", "archive"],
    ]);
    expect(await list({ prefix: ["nsl"], suffix: ["users"] })).toEqual([
      ["nsl", "org", "a", "users"],
      ["nsl", "org", "b", "users"],
    ]);
    expect(await list({ prefix: ["nsl", "org", "*", "users"] })).toEqual([
      ["nsl", "org", "a", "users"],
      ["nsl", "org", "b", "users"],
      ["nsl", "org", "b", "users", "archive"],
    ]);
    expect(await list({ prefix: ["nsl"], max_depth: 3 })).toEqual([
      ["nsl", "org", "a"],
      ["nsl", "org", "b"],
    ]);
    expect(await list({ prefix: ["nsl"], limit: 2, offset: 1 })).toEqual([
      ["nsl", "org", "a", "users"],
      ["nsl", "org", "b", "users"],
    ]);
    expect(await list({ prefix: ["nsl", "$where"] })).toEqual([]);
  });

  it("refuses a bad namespace, a missing key, a non-object value or filter with 422 naming the field, writing nothing", async () => {
    const before = await stored();
    const cases: Array<[Obj, string]> = [
      [{ namespace: ["a", ""], key: "k", value: {} }, "namespace"],
      [{ namespace: ["a.b"], key: "k", value: {} }, "namespace"],
      [{ namespace: [], key: "k", value: {} }, "namespace"],
      [{ namespace: ["a"], value: {} }, "key"],
      [{ namespace: ["a"], key: "", value: {} }, "key"],
      [{ namespace: ["a"], key: "k" }, "value"],
      [{ namespace: ["a"], key: "k", value: "text" }, "value"],
      [{ namespace: ["a"], key: "k", value: [1, 2] }, "value"],
      [{ namespace: ["a"], key: "k", value: null }, "value"],
      [{ namespace: ["a"], key: "k", value: {}, ttl: -1 }, "ttl"],
      [{ namespace: ["a"], key: "k", value: {}, index: true }, "index"],
    ];
    for (const [body, field] of cases) {
      const res = await rest("PUT", "/store/items", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(String((res.body as Obj).detail), JSON.stringify(body)).toContain(field);
    }
    const badSearch = await search({ namespace_prefix: ["a"], filter: "x" });
    expect(badSearch.status).toBe(422);
    expect(String((badSearch.body as Obj).detail)).toContain("filter");
    const badGet = await rest("GET", "/store/items?namespace=a..b&key=k");
    expect(badGet.status).toBe(422);
    expect(String((badGet.body as Obj).detail)).toContain("namespace");
    const noKey = await rest("GET", "/store/items?namespace=a");
    expect(noKey.status).toBe(422);
    expect(String((noKey.body as Obj).detail)).toContain("key");
    const badPrefix = await rest("POST", "/store/namespaces", { prefix: ["a", ""] });
    expect(badPrefix.status).toBe(422);
    expect(String((badPrefix.body as Obj).detail)).toContain("prefix");
    expect(await stored()).toBe(before);
  });

  it("TTL: expires_at from ttl minutes, refreshed by reads unless refresh_ttl is false, expired items invisible", async () => {
    const ns = ["ttl"];
    // 0.1 minutes = 6 s.
    expect((await put(ns, "short", { v: 1 }, { ttl: 0.1 })).status).toBe(204);
    const first = (await get(ns, "short", "&refresh_ttl=false")).body as Obj;
    const expires = Date.parse(String(first.expires_at));
    expect(expires - Date.parse(String(first.updated_at))).toBe(6000);

    await until("half a second to pass", () => Date.now() > expires - 5500);
    const peek = (await get(ns, "short", "&refresh_ttl=false")).body as Obj;
    expect(peek.expires_at).toBe(first.expires_at);
    const refreshed = (await get(ns, "short")).body as Obj;
    const later = Date.parse(String(refreshed.expires_at));
    expect(later).toBeGreaterThan(expires);
    const searched = (await search({ namespace_prefix: ns })).body as { items: Obj[] };
    expect(Date.parse(String(searched.items[0]?.expires_at))).toBeGreaterThanOrEqual(later);
    const stale = (await search({ namespace_prefix: ns, refresh_ttl: false })).body as { items: Obj[] };
    expect(stale.items[0]?.expires_at).toBe(searched.items[0]?.expires_at);

    // Once past expires_at, reads skip the item though MongoDB's TTL monitor (once a minute) may not have run.
    await until(
      "the item to expire",
      async () => (await get(ns, "short", "&refresh_ttl=false")).body === null,
    );
    expect(keys((await search({ namespace_prefix: ns })).body)).toEqual([]);
    const namespaces = (await rest("POST", "/store/namespaces", { prefix: ns })).body as {
      namespaces: unknown[];
    };
    expect(namespaces.namespaces).toEqual([]);
    // A new put of the expired key is a new item.
    await put(ns, "short", { v: 2 });
    const again = (await get(ns, "short")).body as Obj;
    expect(again.value).toEqual({ v: 2 });
    expect(Date.parse(String(again.created_at))).toBeGreaterThan(Date.parse(String(first.created_at)));
    expect(again.expires_at).toBeUndefined();
  });

  it("/info says store: true", async () => {
    const info = await rest("GET", "/info");
    expect((info.body as { flags: Obj }).flags).toMatchObject({
      assistants: true,
      crons: true,
      store: true,
    });
  });
});

describe("official JS SDK client.store", () => {
  it("putItem, getItem, searchItems, listNamespaces, deleteItem", async () => {
    await client.store.putItem(["sdk", "u1"], "pref", { theme: "dark", lang: "en" });
    await client.store.putItem(["sdk", "u2"], "pref", { theme: "light" }, { ttl: 10 });
    const item = await client.store.getItem(["sdk", "u1"], "pref");
    expect(item).toMatchObject({
      namespace: ["sdk", "u1"],
      key: "pref",
      value: { theme: "dark", lang: "en" },
    });
    expect(item?.createdAt).toBe((item as unknown as Obj).created_at);
    const withTtl = (await client.store.getItem(["sdk", "u2"], "pref", {
      refreshTtl: true,
    })) as unknown as Obj;
    expect(Date.parse(String(withTtl.expires_at)) - Date.parse(String(withTtl.updated_at))).toBeGreaterThan(
      9 * 60_000,
    );
    const results = await client.store.searchItems(["sdk"], { filter: { theme: "light" } });
    expect(results.items.map((i) => i.namespace)).toEqual([["sdk", "u2"]]);
    const listed = await client.store.listNamespaces({ prefix: ["sdk"] });
    expect(listed).toEqual({
      namespaces: [
        ["sdk", "u1"],
        ["sdk", "u2"],
      ],
    });
    await client.store.deleteItem(["sdk", "u1"], "pref");
    expect(await client.store.getItem(["sdk", "u1"], "pref")).toBeNull();
    expect((await client.store.listNamespaces({ prefix: ["sdk"], maxDepth: 2 })).namespaces).toEqual([
      ["sdk", "u2"],
    ]);
  });
});

describe("StoreService over gRPC (connect-node gRPC transport)", () => {
  it("PutItem, GetItem, SearchItems, ListNamespaces, DeleteItem; InvalidArgument for a bad namespace", async () => {
    const store = createClient(StoreService, createGrpcTransport({ baseUrl: server.baseUrl }));
    await store.putItem({
      namespace: ["grpc", "x"],
      key: "k",
      value: { a: 1, nested: { b: "two" } },
      ttl: 5,
    });
    const got = await store.getItem({ namespace: ["grpc", "x"], key: "k" });
    expect(got.item?.value).toEqual({ a: 1, nested: { b: "two" } });
    expect(got.item?.expiresAt).toBeDefined();
    const found = await store.searchItems({ namespacePrefix: ["grpc"], filter: { nested: { b: "two" } } });
    expect(found.items.map((i) => i.key)).toEqual(["k"]);
    const ns = await store.listNamespaces({ prefix: ["grpc"] });
    expect(ns.namespaces.map((l) => l.values.map((v) => v.kind.value))).toEqual([["grpc", "x"]]);
    await store.deleteItem({ namespace: ["grpc", "x"], key: "k" });
    expect((await store.getItem({ namespace: ["grpc", "x"], key: "k" })).item).toBeUndefined();
    const refused = await store.putItem({ namespace: ["grpc", "a.b"], key: "k", value: {} }).catch((e) => e);
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.InvalidArgument);
    expect((refused as ConnectError).rawMessage).toContain("namespace");
    const noValue = await store.putItem({ namespace: ["grpc"], key: "k" }).catch((e) => e);
    expect((noValue as ConnectError).code).toBe(Code.InvalidArgument);
    expect((noValue as ConnectError).rawMessage).toContain("value");
    expect((await store.getItem({ namespace: ["grpc"], key: "k" })).item).toBeUndefined();
  });
});

describe("graphs using the store", () => {
  for (const graphId of ["memory", "lg_memory"]) {
    it(`${graphId}: a node writes items the next thread and the API read`, async () => {
      const user = `${graphId}-user`;
      const t1 = await client.threads.create();
      const r1 = (await client.runs.wait(t1.thread_id, graphId, {
        input: { user_id: user, fact: "likes tea" },
      })) as Obj;
      expect(r1.memories).toEqual(["likes tea"]);
      const t2 = await client.threads.create();
      const r2 = (await client.runs.wait(t2.thread_id, graphId, {
        input: { user_id: user, fact: "lives in Oslo" },
      })) as Obj;
      expect(r2.memories).toEqual(["likes tea", "lives in Oslo"]);
      const item = await client.store.getItem(["users", user, "memories"], "lives in Oslo");
      expect(item?.value).toEqual({ text: "lives in Oslo" });
      // The API's writes are the graph's reads.
      await client.store.deleteItem(["users", user, "memories"], "likes tea");
      const r3 = (await client.runs.wait(t2.thread_id, graphId, { input: { user_id: user } })) as Obj;
      expect(r3.memories).toEqual(["lives in Oslo"]);
    });
  }
});
