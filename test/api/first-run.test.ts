/**
 * The first run on a thread that provably has no checkpoint skips the head read (`src/runtime/empty-thread.ts`,
 * `ThreadStore.beginCheckpointWrite`): a fresh thread's first wait sends no `find` on `checkpoints`; every path
 * that writes checkpoints outside a run (state update, supersteps, copy) marks the thread first, so the next run
 * reads the head and continues from it.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { call, type MonitoredApiServer, startMonitoredApiServer } from "./support.js";

let server: MonitoredApiServer;
let B: string;
/** Reads of the checkpoints collection by the server's own client. */
let checkpointReads = 0;

beforeAll(async () => {
  server = await startMonitoredApiServer("api_first_run", (e) => {
    if (["find", "aggregate"].includes(e.commandName) && e.command[e.commandName] === "checkpoints")
      checkpointReads++;
  });
  B = server.baseUrl;
});

afterAll(async () => {
  await server?.close();
});

async function newThread(body: object = {}): Promise<string> {
  return ((await call(B, "POST", "/threads", body)).body as { thread_id: string }).thread_id;
}

async function wait(threadId: string, messages: string[]) {
  return (
    await call(B, "POST", `/threads/${threadId}/runs/wait`, {
      assistant_id: "breakpoints",
      input: { messages },
    })
  ).body as { messages: string[] };
}

it("a fresh thread's first run reads no checkpoint; its second run reads the head and continues", async () => {
  const tid = await newThread();
  checkpointReads = 0;
  expect(await wait(tid, ["one"])).toEqual({ messages: ["one", "node_a", "node_b", "node_c"] });
  expect(checkpointReads).toBe(0);
  const second = await wait(tid, ["two"]);
  expect(checkpointReads).toBeGreaterThan(0);
  expect(second.messages.slice(0, 5)).toEqual(["one", "node_a", "node_b", "node_c", "two"]);
});

it("a state update before the first run: the run starts from the updated state", async () => {
  const tid = await newThread({ metadata: { graph_id: "breakpoints" } });
  const update = await call(B, "POST", `/threads/${tid}/state`, {
    values: { messages: ["seeded"] },
    as_node: "node_c",
  });
  expect(update.status).toBe(200);
  expect((await wait(tid, ["x"])).messages[0]).toBe("seeded");
});

it("a copy of a thread: the copy's first run continues from the copied checkpoints", async () => {
  const source = await newThread();
  await wait(source, ["orig"]);
  const copy = ((await call(B, "POST", `/threads/${source}/copy`, {})).body as { thread_id: string })
    .thread_id;
  expect((await wait(copy, ["again"])).messages.slice(0, 5)).toEqual([
    "orig",
    "node_a",
    "node_b",
    "node_c",
    "again",
  ]);
});

it("a thread stored before the writer count existed is not taken for empty", async () => {
  const tid = await newThread();
  await wait(tid, ["old"]);
  await server.db
    .collection("threads")
    .updateOne({ _id: tid as never }, { $unset: { checkpoint_writers: "" } });
  expect((await wait(tid, ["new"])).messages[0]).toBe("old");
});
