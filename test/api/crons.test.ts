/**
 * Crons (docs/crons.md, docs/api.md §3 "Crons") through the official JS SDK, REST, and gRPC, on two replicas that
 * share one database: every route's shapes and refusals, and the scheduler firing each tick exactly once.
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { tickRunId } from "../../src/runtime/cron-scheduler.js";
import { systemAssistantId } from "../../src/service/assistants/resolve.js";
import { LOOM_VERSION } from "../../src/version.js";
import {
  fromStruct,
  type GrpcClients,
  grpc,
  grpcClients,
  grpcCode,
  type RawMessage,
  toStruct,
} from "../support/grpc-client.js";
import { openTestDb, type TestDb } from "../support/mongo.js";
import { until } from "../support/until.js";
import { call, projectRoot } from "./support.js";

let testDb: TestDb;
const apps: App[] = [];
const urls: string[] = [];
let port = 0;
let client: Client;
let grpcs: GrpcClients;

beforeAll(async () => {
  testDb = await openTestDb("api_crons");
  const registry = await loadGraphRegistry(path.join(projectRoot, "test/api/loom.test.json"));
  // Two replicas on one database, polling often so a one-second schedule shows several ticks quickly.
  for (let i = 0; i < 2; i++) {
    const app = createApp({
      logger: silentLogger(),
      version: LOOM_VERSION,
      db: testDb.db,
      bodyLimitBytes: 1024 * 1024,
      registry,
      cronPollMs: 50,
    });
    const address = await app.listen(0, "127.0.0.1");
    apps.push(app);
    urls.push(`http://127.0.0.1:${address.port}`);
    port ||= address.port;
  }
  client = new Client({ apiUrl: urls[0], callerOptions: { maxRetries: 0 } });
  grpcs = grpcClients(port);
});
afterAll(async () => {
  grpcs?.close();
  await Promise.all(apps.map((a) => a.close(2_000)));
  await testDb?.drop();
});

type Obj = Record<string, unknown>;
const base = () => urls[0] as string;
const crons = () => testDb.db.collection("crons");

describe("crons over the JS SDK", () => {
  it("create, createForThread, get, search, count, update, delete", async () => {
    const before = Date.now();
    const stateless = (await client.crons.create("joke", {
      schedule: "0 0 1 1 *",
      input: { topic: "cats" },
      metadata: { team: "a" },
    })) as unknown as Obj;
    expect(stateless.assistant_id).toBe(systemAssistantId("joke"));
    expect(stateless.schedule).toBe("0 0 1 1 *");
    expect(stateless.on_run_completed).toBe("delete");
    expect(stateless.enabled).toBe(true);
    expect(stateless.thread_id).toBeUndefined();
    expect(stateless.metadata).toEqual({ team: "a" });
    expect(stateless.payload).toMatchObject({
      assistant_id: systemAssistantId("joke"),
      input: { topic: "cats" },
    });
    const next = new Date(stateless.next_run_date as string);
    expect(next.getUTCMonth()).toBe(0);
    expect(next.getUTCDate()).toBe(1);
    expect(next.getTime()).toBeGreaterThan(before);

    const thread = await client.threads.create();
    const forThread = (await client.crons.createForThread(thread.thread_id, "joke", {
      schedule: "30 6 * * *",
      metadata: { team: "b" },
    })) as unknown as Obj;
    expect(forThread.thread_id).toBe(thread.thread_id);
    expect(forThread.on_run_completed).toBeUndefined();
    expect(new Date(forThread.next_run_date as string).getUTCHours()).toBe(6);

    const got = await call(base(), "GET", `/runs/crons/${stateless.cron_id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(stateless);

    const all = await client.crons.search();
    expect(all.map((c) => c.cron_id)).toEqual([forThread.cron_id, stateless.cron_id]);
    const oldestFirst = await client.crons.search({ sortBy: "created_at", sortOrder: "asc" });
    expect(oldestFirst.map((c) => c.cron_id)).toEqual([stateless.cron_id, forThread.cron_id]);
    expect((await client.crons.search({ threadId: thread.thread_id })).map((c) => c.cron_id)).toEqual([
      forThread.cron_id,
    ]);
    expect(await client.crons.search({ assistantId: "joke", limit: 1, offset: 1 })).toHaveLength(1);
    const selected = await client.crons.search({ select: ["cron_id", "schedule"] });
    expect(Object.keys(selected[0] as object).sort()).toEqual(["cron_id", "schedule"]);
    expect(await client.crons.count()).toBe(2);
    expect(await client.crons.count({ threadId: thread.thread_id })).toBe(1);
    expect(await client.crons.count({ assistantId: systemAssistantId("agent") })).toBe(0);
    const byMetadata = await call(base(), "POST", "/runs/crons/count", { metadata: { team: "a" } });
    expect(byMetadata.body).toBe(1);

    const updated = (await client.crons.update(stateless.cron_id as string, {
      schedule: "0 12 * * *",
      metadata: { extra: 1 },
      enabled: false,
      onRunCompleted: "keep",
    })) as unknown as Obj;
    expect(updated.schedule).toBe("0 12 * * *");
    expect(updated.metadata).toEqual({ team: "a", extra: 1 });
    expect(updated.enabled).toBe(false);
    expect(updated.on_run_completed).toBe("keep");
    expect(new Date(updated.next_run_date as string).getUTCHours()).toBe(12);
    expect((await client.crons.search({ enabled: false })).map((c) => c.cron_id)).toEqual([
      stateless.cron_id,
    ]);

    const zoned = await call(base(), "PATCH", `/runs/crons/${stateless.cron_id}`, {
      timezone: "America/New_York",
      end_time: "2999-01-01T00:00:00Z",
    });
    expect(zoned.status).toBe(200);
    expect((zoned.body as Obj).timezone).toBe("America/New_York");
    expect((zoned.body as Obj).end_time).toBe("2999-01-01T00:00:00Z");
    // 12:00 in New York is 16:00 or 17:00 UTC.
    expect([16, 17]).toContain(new Date((zoned.body as Obj).next_run_date as string).getUTCHours());
    const cleared = await call(base(), "PATCH", `/runs/crons/${stateless.cron_id}`, { end_time: null });
    expect((cleared.body as Obj).end_time).toBeUndefined();

    await client.crons.delete(stateless.cron_id as string);
    const del = await call(base(), "DELETE", `/runs/crons/${forThread.cron_id}`);
    expect(del.status).toBe(204);
    expect((await call(base(), "GET", `/runs/crons/${stateless.cron_id}`)).status).toBe(404);
    expect((await call(base(), "DELETE", `/runs/crons/${stateless.cron_id}`)).status).toBe(404);
    expect(await client.crons.count()).toBe(0);
  });
});

describe("the scheduler on two replicas", () => {
  it("a one-second stateless cron fires once per tick, keeping each tick's thread", async () => {
    const tag = uuidv4();
    const created = Date.now();
    const cron = await client.crons.create("joke", {
      schedule: "* * * * * *",
      input: { topic: "ticks" },
      metadata: { tag },
      onRunCompleted: "keep",
    });
    const runs = () => testDb.db.collection("runs").find({ "metadata.tag": tag }).toArray();
    await until("three ticks", async () => (await runs()).length >= 3, { timeoutMs: 20_000 });
    await client.crons.delete(cron.cron_id);
    const deleted = Date.now();
    const found = await runs();
    // Each tick is a whole second after creation and before deletion; a tick claimed by both replicas would show
    // as more runs than ticks.
    const ticks = Math.floor(deleted / 1000) - Math.floor(created / 1000);
    expect(found.length).toBeLessThanOrEqual(ticks);
    expect(new Set(found.map((r) => r.thread_id)).size).toBe(found.length);
    for (const r of found) {
      await until("the tick's run ends", async () => {
        const res = await call(base(), "GET", `/threads/${r.thread_id}/runs/${r._id}`);
        return res.status === 200 && (res.body as Obj).status === "success";
      });
      const thread = await client.threads.get(r.thread_id as string);
      expect(thread.values).toMatchObject({ topic: "ticks" });
    }
  });

  it("a stateless cron with the default on_run_completed deletes each tick's thread", async () => {
    const tag = uuidv4();
    const cron = await client.crons.create("slow", {
      schedule: "* * * * * *",
      input: { ms: 400 },
      metadata: { tag },
    });
    const run = await until(
      "a tick's run",
      async () => (await testDb.db.collection("runs").findOne({ "metadata.tag": tag })) ?? undefined,
      {
        intervalMs: 20,
      },
    );
    await client.crons.delete(cron.cron_id);
    await until("the tick's thread is deleted", async () => {
      const res = await call(base(), "GET", `/threads/${run.thread_id}`);
      return res.status === 404;
    });
  });

  it("a thread cron enqueues its runs on the cron's thread", async () => {
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "joke", {
      schedule: "* * * * * *",
      input: { topic: "threads" },
    });
    await until(
      "two runs on the thread",
      async () => (await client.runs.list(thread.thread_id)).length >= 2,
      {
        timeoutMs: 20_000,
      },
    );
    await client.crons.delete(cron.cron_id);
    const listed = await client.runs.list(thread.thread_id);
    expect(listed.every((r) => r.multitask_strategy === "enqueue")).toBe(true);
    expect((await client.threads.getState(thread.thread_id)).values).toMatchObject({ topic: "threads" });
  });

  it("a disabled cron does not fire, and ticks missed while no replica ran fire once", async () => {
    const tag = uuidv4();
    const cron = await client.crons.create("joke", {
      schedule: "* * * * * *",
      input: { topic: "missed" },
      metadata: { tag },
      onRunCompleted: "keep",
      enabled: false,
    });
    // Ten ticks in the past, as if every replica had been down for ten seconds, and still disabled: nothing fires.
    const past = new Date(Date.now() - 10_000);
    past.setUTCMilliseconds(0);
    await crons().updateOne({ _id: cron.cron_id as never }, { $set: { next_run_date: past } });
    const runs = () => testDb.db.collection("runs").countDocuments({ "metadata.tag": tag });
    // Both replicas poll every 50 ms: after several polls, still no run.
    const polled = Date.now();
    await until("several polls", () => Date.now() - polled > 500);
    expect(await runs()).toBe(0);
    // Enabled from the raw document (an update would reschedule from now): the ten missed ticks fire one run, and
    // the next tick moves past now rather than one second on.
    await crons().updateOne({ _id: cron.cron_id as never }, { $set: { enabled: true } });
    await until("the missed tick's run", async () => (await runs()) >= 1);
    const doc = await crons().findOne({ _id: cron.cron_id as never });
    const nextRun = doc?.next_run_date as Date;
    expect(nextRun.getTime()).toBeGreaterThan(past.getTime() + 5_000);
    // One run for the missed ticks, at most one more for a tick that came meanwhile.
    expect(await runs()).toBeLessThanOrEqual(2);
    await client.crons.delete(cron.cron_id);
  });
  it("a tick claimed by a replica that died before creating its run fires once, under the tick's run id", async () => {
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "joke", {
      schedule: "0 0 1 1 *",
      input: { topic: "orphaned" },
    });
    // As a replica leaves it when it dies between claim and run creation: the date moved on, the claim stays.
    const tick = new Date(Date.now() - 120_000);
    tick.setUTCMilliseconds(0);
    const orphan = async () =>
      crons().updateOne(
        { _id: cron.cron_id as never },
        { $set: { claim: { tick, at: new Date(Date.now() - 60_000) } } },
      );
    const released = async () => (await crons().findOne({ _id: cron.cron_id as never }))?.claim == null;
    await orphan();
    await until("the stale claim is taken over and released", released);
    const runId = tickRunId(cron.cron_id, tick);
    const runs = () => testDb.db.collection("runs").find({ thread_id: thread.thread_id }).toArray();
    expect((await runs()).map((r) => r._id)).toEqual([runId]);
    // The same claim left again (a replica that created the run and died before releasing): firing it again finds
    // the tick's run instead of creating a second.
    await orphan();
    await until("the second stale claim is released", released);
    expect((await runs()).map((r) => r._id)).toEqual([runId]);
    await until(
      "the tick's run ends",
      async () => (await client.runs.get(thread.thread_id, runId)).status === "success",
    );
    await client.crons.delete(cron.cron_id);
  });
});

describe("refusals write nothing", () => {
  it("bad schedule, timezone, end time, ids and unknown resources", async () => {
    const thread = await client.threads.create();
    const existing = await crons().countDocuments();
    const refused: Array<[string, string, unknown, number, RegExp?]> = [
      ["POST", "/runs/crons", { assistant_id: "joke", schedule: "not a cron" }, 422, /schedule/],
      ["POST", "/runs/crons", { assistant_id: "joke", schedule: "61 * * * *" }, 422, /schedule/],
      ["POST", "/runs/crons", { assistant_id: "joke" }, 422, /schedule/],
      ["POST", "/runs/crons", { schedule: "* * * * *" }, 422, /assistant_id/],
      [
        "POST",
        "/runs/crons",
        { assistant_id: "joke", schedule: "* * * * *", timezone: "Mars/Olympus" },
        422,
        /^Invalid timezone: 'Mars\/Olympus'/,
      ],
      [
        "POST",
        "/runs/crons",
        { assistant_id: "joke", schedule: "* * * * *", end_time: "soon" },
        422,
        /end_time/,
      ],
      [
        "POST",
        "/runs/crons",
        { assistant_id: "joke", schedule: "* * * * *", on_run_completed: "maybe" },
        422,
        /on_run_completed/,
      ],
      [
        "POST",
        "/runs/crons",
        { assistant_id: "joke", schedule: "* * * * *", interrupt_before: ["nope"] },
        422,
      ],
      ["POST", "/runs/crons", { assistant_id: "joke", schedule: "* * * * *", durability: "never" }, 422],
      ["POST", "/runs/crons", { assistant_id: "joke", schedule: "* * * * *", input: "text" }, 422, /input/],
      ["POST", "/runs/crons", { assistant_id: "no-such-graph", schedule: "* * * * *" }, 404],
      ["POST", "/runs/crons", { assistant_id: uuidv4(), schedule: "* * * * *" }, 404],
      ["POST", `/threads/${uuidv4()}/runs/crons`, { assistant_id: "joke", schedule: "* * * * *" }, 404],
      ["POST", "/threads/not-a-uuid/runs/crons", { assistant_id: "joke", schedule: "* * * * *" }, 422],
      [
        "POST",
        `/threads/${thread.thread_id}/runs/crons`,
        { assistant_id: "joke", schedule: "* * * * *", multitask_strategy: "sometimes" },
        422,
      ],
      ["GET", "/runs/crons/not-a-uuid", undefined, 422],
      ["GET", `/runs/crons/${uuidv4()}`, undefined, 404],
      ["PATCH", "/runs/crons/not-a-uuid", { schedule: "* * * * *" }, 422],
      ["PATCH", `/runs/crons/${uuidv4()}`, { schedule: "* * * * *" }, 404],
      ["DELETE", "/runs/crons/not-a-uuid", undefined, 422],
      ["DELETE", `/runs/crons/${uuidv4()}`, undefined, 404],
      ["POST", "/runs/crons/search", { limit: 1001 }, 422, /limit/],
      ["POST", "/runs/crons/search", { offset: -1 }, 422, /offset/],
      ["POST", "/runs/crons/search", { sort_by: "schedule" }, 422, /sort_by/],
      ["POST", "/runs/crons/search", { sort_order: "up" }, 422, /sort_order/],
      ["POST", "/runs/crons/search", { select: ["nope"] }, 422, /select/],
      ["POST", "/runs/crons/search", { thread_id: "x" }, 422, /thread_id/],
      ["POST", "/runs/crons/search", { assistant_id: "x" }, 422, /assistant_id/],
      ["POST", "/runs/crons/count", { thread_id: "x" }, 422, /thread_id/],
      ["POST", "/runs/crons/count", { metadata: "x" }, 422, /metadata/],
    ];
    for (const [method, route, body, status, detail] of refused) {
      const res = await call(base(), method, route, body);
      expect({ method, route, body, status: res.status }).toEqual({ method, route, body, status });
      if (detail) expect((res.body as Obj).detail).toMatch(detail);
    }
    expect(await crons().countDocuments()).toBe(existing);

    // Updates refused on an existing cron leave it unchanged.
    const cron = (await client.crons.create("joke", { schedule: "0 0 1 1 *" })) as unknown as Obj;
    const id = cron.cron_id as string;
    const badUpdates: Array<[unknown, RegExp]> = [
      [{}, /empty/],
      [{ schedule: "every day" }, /schedule/],
      [{ timezone: "Nowhere/City" }, /^Invalid timezone: 'Nowhere\/City'/],
      [{ end_time: 12 }, /end_time/],
      [{ end_time: "tomorrow" }, /end_time/],
      [{ on_run_completed: "never" }, /on_run_completed/],
      [{ interrupt_after: ["ghost"] }, /ghost/],
    ];
    for (const [body, detail] of badUpdates) {
      const res = await call(base(), "PATCH", `/runs/crons/${id}`, body);
      expect({ body, status: res.status }).toEqual({ body, status: 422 });
      expect((res.body as Obj).detail).toMatch(detail);
    }
    expect((await call(base(), "GET", `/runs/crons/${id}`)).body).toEqual(cron);
    await client.crons.delete(id);
  });
});

describe("crons over gRPC", () => {
  it("CronsService Create, Get and a refusal with InvalidArgument", async () => {
    const created = await grpcs.call("CronsService", "Create", {
      assistant_id: "joke",
      schedule: "15 3 * * *",
      timezone: "Europe/Paris",
    });
    expect(created.schedule).toBe("15 3 * * *");
    expect(created.timezone).toBe("Europe/Paris");
    expect(created.on_run_completed).toBe("delete");
    const got = await grpcs.call("CronsService", "Get", { cron_id: created.cron_id });
    expect(got.cron_id).toBe(created.cron_id);
    const refused = await grpcCode(
      grpcs.call("CronsService", "Create", {
        assistant_id: "joke",
        schedule: "* * * * *",
        timezone: "Mars/X",
      }),
    );
    expect(refused.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/Invalid timezone/);
    await grpcs.call("CronsService", "Delete", { cron_id: created.cron_id });
    const gone = await grpcCode(grpcs.call("CronsService", "Get", { cron_id: created.cron_id }));
    expect(gone.code).toBe(grpc.status.NOT_FOUND);
  });

  it("CronsService Update, Search and Count: values read back; refusals are coded and change nothing", async () => {
    const tag = `grpc-${uuidv4()}`;
    const a = await grpcs.call("CronsService", "Create", {
      assistant_id: "joke",
      schedule: "0 0 1 1 *",
      metadata: toStruct({ tag }),
    });
    const b = await grpcs.call("CronsService", "Create", {
      assistant_id: "joke",
      schedule: "0 0 1 1 *",
      metadata: toStruct({ tag }),
    });
    const updated = await grpcs.call("CronsService", "Update", {
      cron_id: a.cron_id,
      schedule: "30 2 * * *",
      enabled: false,
      metadata: toStruct({ stage: "b" }),
    });
    expect(updated).toMatchObject({ cron_id: a.cron_id, schedule: "30 2 * * *", enabled: false });
    expect(fromStruct(updated.metadata as RawMessage)).toEqual({ tag, stage: "b" });
    const got = await grpcs.call("CronsService", "Get", { cron_id: a.cron_id });
    expect(got).toEqual(updated);
    const next = new Date(Number((got.next_run_date as { seconds: string }).seconds) * 1000);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([2, 30]);

    const ids = async (req: object) =>
      ((await grpcs.call("CronsService", "Search", req)).crons as RawMessage[]).map((c) => c.cron_id);
    expect((await ids({ metadata: toStruct({ tag }) })).sort()).toEqual([a.cron_id, b.cron_id].sort());
    expect(await ids({ metadata: toStruct({ tag }), enabled: false })).toEqual([a.cron_id]);
    expect(await ids({ metadata: toStruct({ tag }), enabled: true })).toEqual([b.cron_id]);
    expect(
      await ids({ metadata: toStruct({ tag }), sort_by: "cron_id", sort_order: "asc", limit: 1 }),
    ).toEqual([[a.cron_id, b.cron_id].sort()[0]]);
    const selected = await grpcs.call("CronsService", "Search", {
      metadata: toStruct({ tag, stage: "b" }),
      select: ["cron_id"],
    });
    expect((selected.crons as RawMessage[]).map((c) => [c.cron_id, c.schedule])).toEqual([[a.cron_id, ""]]);
    const count = async (req: object) => (await grpcs.call("CronsService", "Count", req)).count;
    expect(await count({ metadata: toStruct({ tag }) })).toBe(2);
    expect(await count({ metadata: toStruct({ tag, stage: "b" }) })).toBe(1);
    expect(await count({ metadata: toStruct({ tag }), assistant_id: "joke" })).toBe(2);

    const stored = await crons().findOne({ cron_id: a.cron_id });
    const missing = uuidv4();
    const refusals: Array<[string, object, number, RegExp]> = [
      ["Update", { cron_id: missing, schedule: "* * * * *" }, grpc.status.NOT_FOUND, new RegExp(missing)],
      ["Get", { cron_id: missing }, grpc.status.NOT_FOUND, new RegExp(missing)],
      ["Update", { cron_id: "not-a-uuid", schedule: "* * * * *" }, grpc.status.INVALID_ARGUMENT, /cron_id/],
      ["Update", { cron_id: a.cron_id, schedule: "every day" }, grpc.status.INVALID_ARGUMENT, /schedule/],
      ["Update", { cron_id: a.cron_id, schedule: "61 * * * *" }, grpc.status.INVALID_ARGUMENT, /schedule/],
      [
        "Update",
        { cron_id: a.cron_id, timezone: "Nowhere/City" },
        grpc.status.INVALID_ARGUMENT,
        /Invalid timezone: 'Nowhere\/City'/,
      ],
      ["Update", { cron_id: a.cron_id }, grpc.status.INVALID_ARGUMENT, /empty/],
      ["Search", { limit: 1001 }, grpc.status.INVALID_ARGUMENT, /limit/],
      ["Search", { offset: -1 }, grpc.status.INVALID_ARGUMENT, /offset/],
      ["Search", { sort_by: "schedule" }, grpc.status.INVALID_ARGUMENT, /sort_by/],
      ["Search", { select: ["nope"] }, grpc.status.INVALID_ARGUMENT, /nope/],
      ["Search", { thread_id: "x" }, grpc.status.INVALID_ARGUMENT, /thread_id/],
      ["Count", { thread_id: "x" }, grpc.status.INVALID_ARGUMENT, /thread_id/],
    ];
    for (const [method, req, code, details] of refusals) {
      const refused = await grpcCode(grpcs.call("CronsService", method, req));
      expect({ method, req, code: refused.code }).toEqual({ method, req, code });
      // Connect percent-encodes grpc-message with encodeURIComponent; grpc-js decodes it with decodeURI, which
      // leaves reserved characters (":", "/") escaped.
      expect(decodeURIComponent(refused.details)).toMatch(details);
    }
    expect(await crons().findOne({ cron_id: a.cron_id })).toEqual(stored);
    expect(await crons().countDocuments({ cron_id: missing })).toBe(0);
    for (const c of [a, b]) await grpcs.call("CronsService", "Delete", { cron_id: c.cron_id });
  });
});

describe("/info", () => {
  it("announces crons", async () => {
    const info = await call(base(), "GET", "/info");
    expect((info.body as { flags: Obj }).flags.crons).toBe(true);
  });
});
