/**
 * Built-in API keys (`LOOM_API_KEYS`, docs/security.md "API keys"): over REST, gRPC (metadata) and Connect a
 * missing key and a wrong key answer 401 / Unauthenticated and the right key is served, from `x-api-key` or
 * `Authorization: Bearer`; the key appears in no log line and no error body. The official JS SDK (`apiKey`,
 * `defaultHeaders`) and Python SDK (`api_key=`) work against it.
 */
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { Writable } from "node:stream";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Client } from "@langchain/langgraph-sdk";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { runProgram, VENV_PYTHON } from "../polyglot/programs.js";
import { grpc, grpcClients, grpcCode, toValue } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { projectRoot } from "./support.js";

const KEY = `loom-key-${randomBytes(12).toString("hex")}`;
const WRONG = `loom-key-${randomBytes(12).toString("hex")}`;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

const logLines: string[] = [];
let server: TestServer;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  server = await startTestServer("api_auth_keys", {
    configPath: path.join(projectRoot, "test/api/loom.test.json"),
    apiKeys: [{ sha256Hex: sha256(KEY), identity: "ci-bot" }],
    logger: pino({ level: "trace" }, sink),
  });
});
afterAll(async () => {
  await server?.close();
});

async function rest(headers: Record<string, string>, method: string, route: string, body?: unknown) {
  const res = await fetch(server.baseUrl + route, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

describe("REST", () => {
  it("401 without a key, 401 with a wrong one, 200 with the right one in x-api-key or Authorization: Bearer", async () => {
    const routes: Array<[string, string, unknown]> = [
      ["POST", "/threads", {}],
      ["POST", "/threads/search", {}],
      ["POST", "/runs/wait", { assistant_id: "slow", input: { ms: 1 } }],
      ["GET", "/assistants/slow", undefined],
    ];
    for (const [method, route, body] of routes) {
      const none = await rest({}, method, route, body);
      expect(none.status, route).toBe(401);
      const wrong = await rest({ "x-api-key": WRONG }, method, route, body);
      expect(wrong.status, route).toBe(401);
      expect(wrong.text).not.toContain(WRONG);
      const bearerWrong = await rest({ authorization: `Bearer ${WRONG}` }, method, route, body);
      expect(bearerWrong.status, route).toBe(401);
      expect(bearerWrong.text).not.toContain(WRONG);
      expect((await rest({ "x-api-key": KEY }, method, route, body)).status, route).toBe(200);
      const bearer = await rest({ authorization: `Bearer ${KEY}` }, method, route, body);
      expect(bearer.status, route).toBe(200);
      expect(bearer.text).not.toContain(KEY);
    }
  });

  it("/ok and /info stay open; /info says api_key and nothing more", async () => {
    expect((await rest({}, "GET", "/ok")).status).toBe(200);
    const info = await rest({}, "GET", "/info");
    expect(JSON.parse(info.text).auth).toEqual({ enabled: true, mode: "api_key" });
    expect(info.text).not.toContain(sha256(KEY));
  });

  it("gives the graph the key's identity", async () => {
    const res = await rest({ "x-api-key": KEY }, "POST", "/runs", { assistant_id: "slow", input: { ms: 1 } });
    const run = JSON.parse(res.text) as { kwargs: { config: { configurable: Record<string, unknown> } } };
    expect(run.kwargs.config.configurable.langgraph_auth_user_id).toBe("ci-bot");
    expect(JSON.stringify(run)).not.toContain(KEY);
  });
});

describe("gRPC (metadata)", () => {
  it("UNAUTHENTICATED without a key or with a wrong one, served with the right one", async () => {
    const cases: Array<[Record<string, string> | undefined, number | undefined]> = [
      [undefined, grpc.status.UNAUTHENTICATED],
      [{ "x-api-key": WRONG }, grpc.status.UNAUTHENTICATED],
      [{ authorization: `Bearer ${WRONG}` }, grpc.status.UNAUTHENTICATED],
      [{ "x-api-key": KEY }, undefined],
      [{ authorization: `Bearer ${KEY}` }, undefined],
    ];
    for (const [metadata, expected] of cases) {
      const c = grpcClients(server.port, metadata ? { metadata } : {});
      try {
        const created = await grpcCode(c.call("ThreadsService", "Create", {}));
        expect(created.code, JSON.stringify(metadata)).toBe(expected);
        expect(created.details).not.toContain(WRONG);
        const run = await grpcCode(
          c.call("RunsService", "Wait", { assistant_id: "slow", input: toValue({ ms: 1 }) }),
        );
        expect(run.code, JSON.stringify(metadata)).toBe(expected);
      } finally {
        c.close();
      }
    }
  });
});

describe("Connect and gRPC-Web", () => {
  const transports = [
    ["Connect", createConnectTransport],
    ["gRPC-Web", createGrpcWebTransport],
  ] as const;
  it.each(transports)(
    "%s: Unauthenticated without a key or with a wrong one, served with the right one",
    async (_n, make) => {
      const threads = createClient(ThreadsService, make({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
      const code = async (headers: Record<string, string>) => {
        try {
          await threads.create({}, { headers });
          return undefined;
        } catch (e) {
          const ce = ConnectError.from(e);
          expect(ce.rawMessage).not.toContain(WRONG);
          return ce.code;
        }
      };
      expect(await code({})).toBe(Code.Unauthenticated);
      expect(await code({ "x-api-key": WRONG })).toBe(Code.Unauthenticated);
      expect(await code({ "x-api-key": KEY })).toBeUndefined();
      expect(await code({ authorization: `Bearer ${KEY}` })).toBeUndefined();
    },
  );
});

describe("official SDKs", () => {
  it("the JS SDK works with apiKey and with defaultHeaders, and is refused without", async () => {
    for (const client of [
      new Client({ apiUrl: server.baseUrl, apiKey: KEY }),
      new Client({
        apiUrl: server.baseUrl,
        apiKey: null,
        defaultHeaders: { Authorization: `Bearer ${KEY}` },
      }),
    ]) {
      const thread = await client.threads.create();
      const values = await client.runs.wait(thread.thread_id, "slow", { input: { ms: 1 } });
      expect(values).toMatchObject({ done: true });
      expect((await client.threads.search({ limit: 100 })).map((t) => t.thread_id)).toContain(
        thread.thread_id,
      );
    }
    const anonymous = new Client({ apiUrl: server.baseUrl, apiKey: null, callerOptions: { maxRetries: 0 } });
    await expect(anonymous.threads.create()).rejects.toThrow(/401/);
  });

  it("the Python SDK works with api_key= and is refused without", async () => {
    const script = [
      "import os, sys",
      "from langgraph_sdk import get_sync_client",
      "c = get_sync_client(url=os.environ['LOOM_URL'], api_key=os.environ['LOOM_KEY'])",
      "t = c.threads.create()",
      "v = c.runs.wait(t['thread_id'], 'slow', input={'ms': 1})",
      "assert v == {'ms': 1, 'done': True}, v",
      "anon = get_sync_client(url=os.environ['LOOM_URL'], api_key=None)",
      "try:",
      "    anon.threads.create()",
      "    sys.exit('anonymous call was served')",
      "except Exception as e:",
      "    status = getattr(getattr(e, 'response', None), 'status_code', None)",
      "    assert status == 401, repr(e)",
      "print('ok')",
    ].join("\n");
    const out = await runProgram(VENV_PYTHON, ["-c", script], {
      env: { LOOM_URL: server.baseUrl, LOOM_KEY: KEY, LANGGRAPH_API_KEY: "", LANGSMITH_API_KEY: "" },
    });
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout.trim()).toBe("ok");
  }, 60_000);
});

describe("logs", () => {
  it("record refusals but never contain a presented key", () => {
    expect(logLines.some((l) => l.includes("request refused by authentication"))).toBe(true);
    const all = logLines.join("");
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(WRONG);
  });
});
