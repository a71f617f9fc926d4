/**
 * The REST long-poll keep-alive (docs/api.md §6) begins only once a wait or join is accepted: with an interval of
 * 1 ms, shorter than any refusal takes, a refused wait or join still answers its own 4xx, and an accepted wait's
 * early 200 carries its run's `Content-Location`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { call, projectRoot } from "./support.js";

let server: TestServer;
let B: string;

beforeAll(async () => {
  server = await startTestServer("api_keep_alive", {
    configPath: `${projectRoot}/test/api/loom.test.json`,
    waitKeepAliveMs: 1,
  });
  B = server.baseUrl;
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;
const MISSING = "00000000-0000-4000-8000-000000000000";

async function newThread(): Promise<string> {
  return ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
}

describe("keep-alive after acceptance", () => {
  it("refusals keep their status: an ambiguous resume 422, an unknown checkpoint 404, a missing run's join 404", async () => {
    const tid = await newThread();
    const first = await call(B, "POST", `/threads/${tid}/runs/wait`, { assistant_id: "parallel", input: {} });
    expect(first.status).toBe(200);
    expect(((first.body as Obj).__interrupt__ as unknown[]).length).toBe(2);
    const ambiguous = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "parallel",
      command: { resume: "x" },
    });
    expect(ambiguous.status).toBe(422);
    expect((ambiguous.body as Obj).detail).toMatch(/multiple pending interrupts/);
    const unknown = await call(B, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "parallel",
      input: null,
      checkpoint_id: MISSING,
    });
    expect(unknown.status).toBe(404);
    const join = await call(B, "GET", `/threads/${tid}/runs/${MISSING}/join`);
    expect(join.status).toBe(404);
    expect((join.body as Obj).detail).toMatch(/not found/i);
  });

  it("an accepted wait answers 200 early with Content-Location, newlines, then the body; a join likewise", async () => {
    const tid = await newThread();
    const res = await fetch(`${B}/threads/${tid}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "slow", input: { ms: 300 } }),
    });
    expect(res.status).toBe(200);
    const location = res.headers.get("content-location");
    expect(location).toMatch(new RegExp(`^/threads/${tid}/runs/[0-9a-f-]{36}$`));
    const text = await res.text();
    expect(text.startsWith("\n")).toBe(true);
    expect(JSON.parse(text)).toEqual({ ms: 300, done: true });
    const joined = await fetch(`${B}${location}/join`);
    expect(joined.status).toBe(200);
    expect(JSON.parse(await joined.text())).toEqual({ ms: 300, done: true });
  });
});
