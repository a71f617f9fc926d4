/**
 * Assistant versions, subgraphs and run context through the official JS SDK and fetch (docs/api.md §3 "Assistant
 * versions", `GET /assistants/{id}/subgraphs`, §5 `context`), on the real server and `mongod`.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestServer, type TestServer } from "../support/server.js";
import { call, projectRoot } from "./support.js";

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer("api_assistant_versions", {
    configPath: `${projectRoot}/test/api/loom.versions.json`,
  });
  client = new Client({ apiUrl: server.baseUrl, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

describe("assistant versions", () => {
  it("create and every update write a version; getVersions lists them newest first, filtered and paged", async () => {
    const a = await client.assistants.create({
      graphId: "context",
      config: { configurable: { model: "m1" } },
      metadata: { team: "a" },
      name: "v1",
    });
    expect(a.version).toBe(1);
    const u2 = await client.assistants.update(a.assistant_id, { config: { configurable: { model: "m2" } } });
    expect(u2.version).toBe(2);
    const u3 = await client.assistants.update(a.assistant_id, { metadata: { stage: "prod" }, name: "v3" });
    expect(u3.version).toBe(3);
    expect(u3.metadata).toEqual({ team: "a", stage: "prod" });

    const versions = await client.assistants.getVersions(a.assistant_id);
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(versions.map((v) => v.name)).toEqual(["v3", "v1", "v1"]);
    expect(versions[2]?.config).toEqual({ configurable: { model: "m1" } });
    expect(versions[1]?.config).toEqual({ configurable: { model: "m2" } });
    expect(versions[0]).toMatchObject({ assistant_id: a.assistant_id, graph_id: "context", context: {} });
    expect(typeof versions[0]?.created_at).toBe("string");

    const prod = await client.assistants.getVersions(a.assistant_id, { metadata: { stage: "prod" } });
    expect(prod.map((v) => v.version)).toEqual([3]);
    const page = await client.assistants.getVersions(a.assistant_id, { limit: 1, offset: 1 });
    expect(page.map((v) => v.version)).toEqual([2]);
  });

  it("setLatest pins an older version, runs use its config, and the next update numbers past the highest", async () => {
    const a = await client.assistants.create({
      graphId: "context",
      config: { configurable: { model: "old" } },
    });
    await client.assistants.update(a.assistant_id, { config: { configurable: { model: "new" } } });
    const thread = await client.threads.create();
    const onNew = (await client.runs.wait(thread.thread_id, a.assistant_id, { input: {} })) as Obj;
    expect(onNew.model).toBe("new");

    const pinned = await client.assistants.setLatest(a.assistant_id, 1);
    expect(pinned.version).toBe(1);
    expect(pinned.config).toEqual({ configurable: { model: "old" } });
    expect((await client.assistants.get(a.assistant_id)).version).toBe(1);
    const onOld = (await client.runs.wait(thread.thread_id, a.assistant_id, { input: {} })) as Obj;
    expect(onOld.model).toBe("old");

    const next = await client.assistants.update(a.assistant_id, { name: "renamed" });
    expect(next.version).toBe(3);
    expect(next.config).toEqual({ configurable: { model: "old" } });
    expect((await client.assistants.getVersions(a.assistant_id)).map((v) => v.version)).toEqual([3, 2, 1]);
  });

  it("bad input: unknown assistant or version 404, a non-integer version 422", async () => {
    const a = await client.assistants.create({ graphId: "context" });
    const unknown = "00000000-0000-4000-8000-000000000000";
    const r1 = await call(server.baseUrl, "POST", `/assistants/${unknown}/versions`, {});
    expect(r1.status).toBe(404);
    const r2 = await call(server.baseUrl, "POST", `/assistants/${unknown}/latest`, { version: 1 });
    expect(r2.status).toBe(404);
    const r3 = await call(server.baseUrl, "POST", `/assistants/${a.assistant_id}/latest`, { version: 7 });
    expect(r3).toMatchObject({
      status: 404,
      body: { detail: `Version 7 not found for assistant ${a.assistant_id}` },
    });
    for (const version of ["two", 1.5, null, 0]) {
      const r = await call(server.baseUrl, "POST", `/assistants/${a.assistant_id}/latest`, { version });
      expect(r.status, `version ${JSON.stringify(version)}`).toBe(422);
    }
    const r4 = await call(server.baseUrl, "POST", `/assistants/${a.assistant_id}/versions`, { limit: 0.5 });
    expect(r4.status).toBe(422);
    expect((await client.assistants.get(a.assistant_id)).version).toBe(1);
  });
});
