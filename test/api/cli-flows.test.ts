/**
 * The documented command lines, run as child processes: plain `curl` exactly as in the issue (HITL,
 * breakpoints, time travel) and `buf curl --schema proto` for a create / wait / resume sequence.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, projectRoot, startApiServer } from "./support.js";

const run = promisify(execFile);
let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer("api_cli_flows");
});
afterAll(async () => {
  await server?.close();
});

type Obj = Record<string, unknown>;

async function curl(method: string, route: string, data?: string): Promise<unknown> {
  const args = [
    "-sS",
    "--request",
    method,
    "--url",
    server.baseUrl + route,
    "--header",
    "Content-Type: application/json",
  ];
  if (data !== undefined) args.push("--data", data);
  const { stdout } = await run("curl", args);
  return stdout === "" ? undefined : JSON.parse(stdout);
}

describe("curl", () => {
  it("runs the documented HITL sequence", async () => {
    const thread = (await curl("POST", "/threads", "{}")) as Obj;
    const tid = thread.thread_id as string;
    const first = (await curl(
      "POST",
      `/threads/${tid}/runs/wait`,
      '{"assistant_id": "agent", "input": {"some_text": "original text"}}',
    )) as Obj;
    expect((first.__interrupt__ as Obj[])[0]?.value).toEqual({ text_to_revise: "original text" });
    const second = await curl(
      "POST",
      `/threads/${tid}/runs/wait`,
      '{"assistant_id": "agent", "command": {"resume": "Edited text"}}',
    );
    expect(second).toEqual({ some_text: "Edited text" });
  });

  it("runs the documented breakpoints and time-travel sequences", async () => {
    const tid = ((await curl("POST", "/threads", "{}")) as Obj).thread_id as string;
    const r1 = (await curl(
      "POST",
      `/threads/${tid}/runs/wait`,
      '{"assistant_id": "breakpoints", "interrupt_before": ["node_a"], "interrupt_after": ["node_b", "node_c"], "input": {"messages": ["hello"]}}',
    )) as Obj;
    expect(r1).toEqual({ messages: ["hello"], __interrupt__: [] });
    const r2 = await curl("POST", `/threads/${tid}/runs/wait`, '{"assistant_id": "breakpoints"}');
    expect(r2).toEqual({ messages: ["hello", "node_a", "node_b", "node_c"] });

    const jt = ((await curl("POST", "/threads", "{}")) as Obj).thread_id as string;
    await curl("POST", `/threads/${jt}/runs/wait`, '{"assistant_id": "joke", "input": {}}');
    const history = (await curl("GET", `/threads/${jt}/history`)) as Obj[];
    const cp = history.find((s) => (s.next as string[])[0] === "write_joke")?.checkpoint as Obj;
    const upd = (await curl(
      "POST",
      `/threads/${jt}/state`,
      JSON.stringify({
        assistant_id: "joke",
        checkpoint_id: cp.checkpoint_id,
        values: { topic: "chickens" },
      }),
    )) as Obj;
    const forkId = (upd.checkpoint as Obj).checkpoint_id as string;
    const replay = (await curl(
      "POST",
      `/threads/${jt}/runs/wait`,
      JSON.stringify({ assistant_id: "joke", checkpoint_id: forkId }),
    )) as Obj;
    expect(replay.topic).toBe("chickens");
  });

  it.each([["--http1.1"], ["--http2-prior-knowledge"]])(
    "answers 413 to an oversized body over %s",
    async (flag) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "loom-413-"));
      const file = path.join(dir, "big.json");
      await writeFile(file, JSON.stringify({ metadata: { blob: "x".repeat(400 * 1024) } }));
      const { stdout } = await run("curl", [
        "-sS",
        flag,
        "-w",
        "\n%{http_code}",
        "--request",
        "POST",
        "--url",
        `${server.baseUrl}/threads`,
        "--header",
        "Content-Type: application/json",
        "--data-binary",
        `@${file}`,
      ]);
      const [body, status] = stdout.split("\n");
      expect(status).toBe("413");
      expect(JSON.parse(body as string).detail).toMatch(/exceeds the limit/);
      await rm(dir, { recursive: true, force: true });
    },
  );

  it("streams SSE with curl -N", async () => {
    const tid = ((await curl("POST", "/threads", "{}")) as Obj).thread_id as string;
    const { stdout } = await run("curl", [
      "-sSN",
      "--request",
      "POST",
      "--url",
      `${server.baseUrl}/threads/${tid}/runs/stream`,
      "--header",
      "Content-Type: application/json",
      "--data",
      '{"assistant_id": "joke", "input": {"topic": "sse"}, "stream_mode": ["updates"]}',
    ]);
    expect(stdout.startsWith("event: metadata\ndata: {")).toBe(true);
    expect(stdout).toContain("event: updates\ndata: {");
  });
});

describe("buf curl --schema proto", () => {
  const buf = path.join(projectRoot, "node_modules", ".bin", "buf");
  async function bufCurl(protocol: string, method: string, body: Obj): Promise<Obj> {
    const { stdout } = await run(
      buf,
      [
        "curl",
        "--schema",
        "proto",
        "--protocol",
        protocol,
        "-d",
        JSON.stringify(body),
        `${server.baseUrl}/${method}`,
      ],
      { cwd: projectRoot },
    );
    return JSON.parse(stdout) as Obj;
  }

  it.each(["connect", "grpc", "grpcweb"])("create / wait / resume over %s", async (protocol) => {
    const thread = await bufCurl(protocol, "loom.v1.ThreadsService/Create", {});
    const tid = (thread.threadId ?? thread.thread_id) as string;
    const first = await bufCurl(protocol, "loom.v1.RunsService/Wait", {
      thread_id: tid,
      assistant_id: "agent",
      input: { some_text: "original text" },
    });
    const values = first.values as Obj;
    expect((values.__interrupt__ as Obj[])[0]?.value).toEqual({ text_to_revise: "original text" });
    const second = await bufCurl(protocol, "loom.v1.RunsService/Wait", {
      thread_id: tid,
      assistant_id: "agent",
      command: { resume: "Edited text" },
    });
    expect(second.values).toEqual({ some_text: "Edited text" });
  });

  it("reports NotFound as exit code 8 × 5", async () => {
    const error = await bufCurl("connect", "loom.v1.ThreadsService/Get", {
      thread_id: "00000000-0000-4000-8000-000000000000",
    }).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    expect(error?.code).toBe(40);
  });
});
