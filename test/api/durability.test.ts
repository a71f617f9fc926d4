/**
 * The run-create `durability` field (docs/api.md §5, docs/semantics.md §1.16) on the real app: `"async"` is the
 * default and sends a fast run's checkpoints in one MongoDB command (an `insert`), `"sync"` one per checkpoint, `"exit"`
 * runs as `"async"`; anything else is 422 / InvalidArgument naming the field, with nothing written.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { call, type MonitoredApiServer, startMonitoredApiServer } from "./support.js";

let server: MonitoredApiServer;
let B: string;
/** Insert/update commands on the checkpoints collection (the server's own client, so its commands). */
const checkpointWrites: string[] = [];

beforeAll(async () => {
  server = await startMonitoredApiServer("api_durability", (e) => {
    if (["insert", "update"].includes(e.commandName) && e.command[e.commandName] === "checkpoints")
      checkpointWrites.push(e.commandName);
  });
  B = server.baseUrl;
});

afterAll(async () => {
  await server?.close();
});

async function newThread(): Promise<string> {
  return ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
}

/** Runs `breakpoints` to the end with `durability` (absent when undefined); the checkpoint write commands it sent. */
async function runWith(durability: string | undefined) {
  const tid = await newThread();
  checkpointWrites.length = 0;
  const r = await call(B, "POST", `/threads/${tid}/runs/wait`, {
    assistant_id: "breakpoints",
    input: { messages: ["x"] },
    ...(durability !== undefined ? { durability } : {}),
  });
  const writes = [...checkpointWrites];
  const history = (await call(B, "POST", `/threads/${tid}/history`, { limit: 100 })).body as Array<{
    values: unknown;
    metadata: { step: number; source: string };
  }>;
  return {
    status: r.status,
    values: r.body,
    writes,
    history: history.map((h) => [h.metadata.source, h.metadata.step, h.values]),
  };
}

describe("run durability", () => {
  it('defaults to "async": a 3-node run sends its 5 checkpoints in one command; "sync" sends one each', async () => {
    const byDefault = await runWith(undefined);
    const sync = await runWith("sync");
    expect(byDefault.status).toBe(200);
    expect(byDefault.values).toEqual({ messages: ["x", "node_a", "node_b", "node_c"] });
    expect(byDefault.writes).toEqual(["insert"]);
    expect(sync.writes).toHaveLength(5);
    expect(sync.history).toHaveLength(5);
    expect(byDefault.history).toEqual(sync.history);
    expect(sync.values).toEqual(byDefault.values);
  });

  it('"async" and "exit" (which runs as "async") are accepted and batch the same way', async () => {
    for (const durability of ["async", "exit"]) {
      const r = await runWith(durability);
      expect(r.status).toBe(200);
      expect(r.values).toEqual({ messages: ["x", "node_a", "node_b", "node_c"] });
      expect(r.writes).toEqual(["insert"]);
      expect(r.history).toHaveLength(5);
    }
  });

  it("an unknown value is 422 over REST and InvalidArgument over Connect, naming durability; nothing written", async () => {
    const tid = await newThread();
    const r = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "breakpoints",
      input: { messages: ["x"] },
      durability: "eventually",
    });
    expect(r.status).toBe(422);
    expect((r.body as { detail: string }).detail).toMatch(/durability/);
    const transport = createConnectTransport({ baseUrl: B, httpVersion: "1.1" });
    const error = await createClient(RunsService, transport)
      .wait({ threadId: tid, assistantId: "breakpoints", durability: "SYNC" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toMatch(/durability/);
    expect((await call(B, "POST", `/threads/${tid}/history`, {})).body).toEqual([]);
    expect((await call(B, "GET", `/threads/${tid}/runs`)).body).toEqual([]);
  });
});
