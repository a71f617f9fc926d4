/**
 * Store calls under custom auth (docs/security.md "Events"): the test `Auth` module puts the caller's identity in
 * front of every namespace (`store` handler), so alice's memories are hers alone — over REST and Connect, bob
 * cannot get, find, list or delete them — and a handler's `store:search` filter would narrow by value.
 */
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { StoreService } from "../../gen/ts/loom/v1/store_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { projectRoot } from "./support.js";

let server: TestServer;
const ALICE = { authorization: "Bearer alice-token" };
const BOB = { authorization: "Bearer bob-token" };

async function rest(who: Record<string, string> | undefined, method: string, route: string, body?: unknown) {
  const res = await fetch(server.baseUrl + route, {
    method,
    headers: { "content-type": "application/json", ...who },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text === "" ? undefined : JSON.parse(text)) as Record<string, unknown>,
  };
}

beforeAll(async () => {
  server = await startTestServer("api_auth_store", {
    configPath: path.join(projectRoot, "test/api/auth/loom.auth.json"),
  });
});

afterAll(async () => {
  await server?.close();
});

it("each caller's namespaces are prefixed with their identity: bob never sees alice's item", async () => {
  const put = await rest(ALICE, "PUT", "/store/items", {
    namespace: ["memories"],
    key: "k1",
    value: { food: "pizza" },
  });
  expect(put.status).toBe(204);

  const mine = await rest(ALICE, "GET", "/store/items?namespace=memories&key=k1");
  expect(mine.status).toBe(200);
  expect(mine.body).toMatchObject({ namespace: ["alice", "memories"], key: "k1", value: { food: "pizza" } });

  // bob asks for the same namespace and key: his own (empty) namespace is read.
  const theirs = await rest(BOB, "GET", "/store/items?namespace=memories&key=k1");
  expect(theirs.status).toBe(200);
  expect(theirs.body ?? null).toBeNull();
  // Not even by naming alice's full namespace: it becomes ["bob", "alice", "memories"].
  expect((await rest(BOB, "GET", "/store/items?namespace=alice.memories&key=k1")).body ?? null).toBeNull();

  const aliceSearch = await rest(ALICE, "POST", "/store/items/search", { namespace_prefix: [] });
  expect((aliceSearch.body.items as Array<{ key: string }>).map((i) => i.key)).toEqual(["k1"]);
  const bobSearch = await rest(BOB, "POST", "/store/items/search", { namespace_prefix: [] });
  expect(bobSearch.body.items).toEqual([]);

  expect((await rest(ALICE, "POST", "/store/namespaces", {})).body.namespaces).toEqual([
    ["alice", "memories"],
  ]);
  expect((await rest(BOB, "POST", "/store/namespaces", {})).body.namespaces).toEqual([]);

  // bob's delete of "memories"/"k1" deletes in his namespace: alice's item stays.
  expect((await rest(BOB, "DELETE", "/store/items", { namespace: ["memories"], key: "k1" })).status).toBe(
    204,
  );
  expect((await rest(ALICE, "GET", "/store/items?namespace=memories&key=k1")).body).toMatchObject({
    key: "k1",
  });
});

it("over Connect the same rules hold, and no credential is Unauthenticated", async () => {
  const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" });
  const store = createClient(StoreService, transport);
  const as = (who: Record<string, string>) => ({ headers: who });
  await store.putItem({ namespace: ["notes"], key: "n1", value: { text: "bob's" } }, as(BOB));
  const got = await store.getItem({ namespace: ["notes"], key: "n1" }, as(BOB));
  expect(got.item?.namespace).toEqual(["bob", "notes"]);
  expect((await store.getItem({ namespace: ["notes"], key: "n1" }, as(ALICE))).item).toBeUndefined();
  const found = await store.searchItems({ namespacePrefix: ["notes"] }, as(ALICE));
  expect(found.items).toEqual([]);
  const refused = await store.getItem({ namespace: ["notes"], key: "n1" }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ConnectError);
  expect((refused as ConnectError).code).toBe(Code.Unauthenticated);
});
