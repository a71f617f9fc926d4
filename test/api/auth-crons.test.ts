/**
 * Crons under custom auth (docs/security.md "Events"): `crons:create` stamps the owner on the cron (the test
 * `Auth` module), and `crons:read` / `update` / `delete` / `search` filter by it — bob gets 404 for alice's cron,
 * finds and counts none of hers, and changes nothing; alice reaches all of it.
 */
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { snapshotDb } from "../support/db-snapshot.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { projectRoot } from "./support.js";

let server: TestServer;
const ALICE = { authorization: "Bearer alice-token" };
const BOB = { authorization: "Bearer bob-token" };

async function rest(who: Record<string, string>, method: string, route: string, body?: unknown) {
  const res = await fetch(server.baseUrl + route, {
    method,
    headers: { "content-type": "application/json", ...who },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === "" ? undefined : JSON.parse(text)) as unknown };
}

beforeAll(async () => {
  server = await startTestServer("api_auth_crons", {
    configPath: path.join(projectRoot, "test/api/auth/loom.auth.json"),
  });
});

afterAll(async () => {
  await server?.close();
});

it("a cron is its creator's: bob gets 404, finds and counts none, changes nothing", async () => {
  const created = await rest(ALICE, "POST", "/runs/crons", {
    assistant_id: "whoami",
    schedule: "0 0 1 1 *",
    metadata: { topic: "yearly" },
  });
  expect(created.status).toBe(200);
  const cron = created.body as { cron_id: string; metadata: Record<string, unknown> };
  expect(cron.metadata).toEqual({ topic: "yearly", owner: "alice" });
  const c = `/runs/crons/${cron.cron_id}`;

  const before = await snapshotDb(server.testDb.db);
  expect((await rest(BOB, "GET", c)).status).toBe(404);
  expect((await rest(BOB, "PATCH", c, { enabled: false })).status).toBe(404);
  expect((await rest(BOB, "DELETE", c)).status).toBe(404);
  expect((await rest(BOB, "POST", "/runs/crons/search", {})).body).toEqual([]);
  expect((await rest(BOB, "POST", "/runs/crons/count", {})).body).toBe(0);
  expect(await snapshotDb(server.testDb.db)).toEqual(before);

  expect((await rest(ALICE, "GET", c)).body).toMatchObject({ cron_id: cron.cron_id });
  const mine = (await rest(ALICE, "POST", "/runs/crons/search", {})).body as Array<{ cron_id: string }>;
  expect(mine.map((x) => x.cron_id)).toEqual([cron.cron_id]);
  expect((await rest(ALICE, "POST", "/runs/crons/count", {})).body).toBe(1);
  expect((await rest(ALICE, "PATCH", c, { enabled: false })).body).toMatchObject({ enabled: false });
  expect((await rest(ALICE, "DELETE", c)).status).toBe(204);
  expect((await rest(ALICE, "GET", c)).status).toBe(404);
});

it("a cron on alice's thread cannot be created by bob (404: the thread is outside his threads:read)", async () => {
  const thread = (await rest(ALICE, "POST", "/threads", {})).body as { thread_id: string };
  const before = await snapshotDb(server.testDb.db);
  const res = await rest(BOB, "POST", `/threads/${thread.thread_id}/runs/crons`, {
    assistant_id: "whoami",
    schedule: "0 0 1 1 *",
  });
  expect(res.status).toBe(404);
  expect(await snapshotDb(server.testDb.db)).toEqual(before);
});
