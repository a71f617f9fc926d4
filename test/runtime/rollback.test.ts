/**
 * Rollback of a resume run (docs/api.md §5 `rollback`, cancel `action=rollback`): besides its own checkpoints, the
 * pending writes it stored on the thread's existing head (its resume value, the resumed task's result) are
 * removed, so the thread is back at the same interrupt and a later resume uses its own value, not the
 * rolled-back one.
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let t: TestDb;
let app: App;
let sdk: Client;

beforeAll(async () => {
  t = await openTestDb("runtime_rollback");
  app = createApp({
    logger: silentLogger(),
    version: LOOM_VERSION,
    db: t.db,
    bodyLimitBytes: 1024 * 1024,
    registry: await loadGraphRegistry(path.join(import.meta.dirname, "loom.runtime.json")),
  });
  const { port } = await app.listen(0, "127.0.0.1");
  sdk = new Client({ apiUrl: `http://127.0.0.1:${port}`, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await app?.close(1000);
  await t?.drop();
});

it("a rolled-back resume leaves the thread at its interrupt, without the resume value", async () => {
  const thread = await sdk.threads.create();
  const first = (await sdk.runs.wait(thread.thread_id, "ask", { input: { ms: 5000 } })) as Record<
    string,
    unknown
  >;
  expect(first.__interrupt__).toHaveLength(1);
  const before = await sdk.threads.getState(thread.thread_id);

  const resume = await sdk.runs.create(thread.thread_id, "ask", { command: { resume: "yes" } });
  for (let i = 0; i < 400; i++) {
    const state = await sdk.threads.getState(thread.thread_id);
    if (state.next.includes("nap")) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect((await sdk.threads.getState(thread.thread_id)).values).toMatchObject({ answer: "yes" });
  await sdk.runs.cancel(thread.thread_id, resume.run_id, true, "rollback");

  const after = await sdk.threads.getState(thread.thread_id);
  expect(after.checkpoint.checkpoint_id).toBe(before.checkpoint.checkpoint_id);
  expect(after.next).toEqual(["ask"]);
  expect(after.values).not.toHaveProperty("answer");
  expect(after.tasks[0]?.interrupts).toHaveLength(1);
  const threadAfter = await sdk.threads.get(thread.thread_id);
  expect(threadAfter.status).toBe("interrupted");
  expect(Object.values(threadAfter.interrupts ?? {}).flat()).toEqual([
    expect.objectContaining({ value: "proceed?" }),
  ]);

  const again = await sdk.runs.wait(thread.thread_id, "ask", {
    command: { resume: "no", update: { ms: 1 } },
  });
  expect(again).toMatchObject({ answer: "no", slept: true });
});
