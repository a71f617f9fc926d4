/**
 * A refused request writes nothing (docs/api.md §1 "Refusals"): each case below reads the whole database
 * directly before and after, over REST and, where the route exists there, gRPC (grpc-js), against the real server
 * and `mongod`. Also: an accepted request keeps what was sent, and a body is refused before it is read when it
 * is announced too large.
 */
import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DbSnapshot, snapshotDb } from "../support/db-snapshot.js";
import { type GrpcClients, grpc, grpcClients, grpcCode, toValue } from "../support/grpc-client.js";
import { startTestServer } from "../support/server.js";
import { type ApiServer, call, startApiServer } from "./support.js";

let server: ApiServer;
let B: string;
let grpcApi: GrpcClients;
const LIMIT = 64 * 1024;
const MISSING = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  server = await startApiServer("api_refusals", { bodyLimitBytes: LIMIT });
  B = server.baseUrl;
  grpcApi = grpcClients(server.port);
});
afterAll(async () => {
  grpcApi?.close();
  await server?.close();
});

type Obj = Record<string, unknown>;
const snapshot = (): Promise<DbSnapshot> => snapshotDb(server.testDb.db);

/** A thread paused in the `agent` graph's `interrupt()`: it has a graph, checkpoints and a head. */
async function interruptedThread(): Promise<string> {
  const tid = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
  const run = await call(B, "POST", `/threads/${tid}/runs/wait`, {
    assistant_id: "agent",
    input: { some_text: "original" },
  });
  expect(run.status).toBe(200);
  return tid;
}

function expectDetail(r: { status: number; body: unknown }, status: number, detail: RegExp) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect((r.body as Obj).detail).toMatch(detail);
}

/** Sends raw bytes with any headers (fetch would fix some of them up). */
function rawPost(path: string, body: Buffer, headers: Record<string, string>) {
  return new Promise<{ status: number; body: Obj }>((resolve, reject) => {
    const req = http.request(`${B}${path}`, { method: "POST", headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Obj }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("a refused state update leaves the thread byte-for-byte as it was", () => {
  it("values not an object, unknown as_node, unknown checkpoint, unknown channel (REST and gRPC)", async () => {
    const tid = await interruptedThread();
    const before = await snapshot();
    const path = `/threads/${tid}/state`;
    expectDetail(await call(B, "POST", path, { values: 5 }), 422, /values|object/i);
    expectDetail(await call(B, "POST", path, { values: { some_text: "x" }, as_node: "nope" }), 422, /nope/);
    expectDetail(
      await call(B, "POST", path, { values: { some_text: "x" }, checkpoint_id: MISSING }),
      404,
      new RegExp(MISSING),
    );
    expectDetail(await call(B, "POST", path, { values: { no_such_channel: 1 } }), 422, /no_such_channel/);
    const rpc = (req: Obj) =>
      grpcCode(grpcApi.call("ThreadsService", "UpdateState", { thread_id: tid, ...req }));
    expect(await rpc({ values: toValue({ some_text: "x" }), as_node: "nope" })).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/nope/),
    });
    expect(await rpc({ values: toValue({ no_such_channel: 1 }) })).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    expect(await snapshot()).toEqual(before);
    // The same thread still takes a valid update.
    expect((await call(B, "POST", path, { values: { some_text: "edited" } })).status).toBe(200);
  });

  it("runs/wait whose command.goto names an unknown node: 422 naming it, nothing on the thread changes", async () => {
    const tid = await interruptedThread();
    const before = await snapshot();
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: "agent",
        command: { goto: "no_such_node" },
      }),
      422,
      /no_such_node/,
    );
    expectDetail(
      await call(B, "POST", `/threads/${tid}/runs/wait`, {
        assistant_id: "agent",
        command: { goto: [{ node: "ghost", input: {} }] },
      }),
      422,
      /ghost/,
    );
    const rpc = await grpcCode(
      grpcApi.call("RunsService", "Wait", {
        thread_id: tid,
        assistant_id: "agent",
        command: { goto: toValue("no_such_node") },
      }),
    );
    expect(rpc).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/no_such_node/),
    });
    expect(await snapshot()).toEqual(before);
  });
});

describe("bodies that cannot be kept as sent are refused, naming what is wrong", () => {
  it("POST /threads with a JSON null body → 422, no thread", async () => {
    const before = await snapshot();
    expectDetail(await call(B, "POST", "/threads", undefined, "null"), 422, /not null/);
    expect(await snapshot()).toEqual(before);
  });

  it("a string that is not UTF-8 → 422, nothing stored", async () => {
    const before = await snapshot();
    const body = Buffer.concat([
      Buffer.from('{"metadata": {"name": "'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    expectDetail(await rawPost("/threads", body, { "content-type": "application/json" }), 422, /UTF-8/);
    expect(await snapshot()).toEqual(before);
    // Valid UTF-8 is stored exactly as sent.
    const ok = await call(B, "POST", "/threads", { metadata: { name: "naïve 🧵" } });
    expect((ok.body as { metadata: Obj }).metadata.name).toBe("naïve 🧵");
  });

  it("a __proto__ key anywhere in the body → 422 naming it, never dropped quietly", async () => {
    const before = await snapshot();
    const body = '{"metadata": {"a": 1, "__proto__": {"polluted": true}}}';
    expectDetail(await call(B, "POST", "/threads", undefined, body), 422, /__proto__/);
    expect(await snapshot()).toEqual(before);
    expect(({} as Obj).polluted).toBeUndefined();
  });

  it("after_seconds out of bounds (1e308, negative) → 422 naming it; no run is scheduled", async () => {
    const tid = ((await call(B, "POST", "/threads", {})).body as { thread_id: string }).thread_id;
    const before = await snapshot();
    for (const after of [1e308, -1]) {
      expectDetail(
        await call(B, "POST", `/threads/${tid}/runs`, {
          assistant_id: "agent",
          input: {},
          after_seconds: after,
        }),
        422,
        /after_seconds/,
      );
    }
    expect(
      await grpcCode(
        grpcApi.call("RunsService", "Create", {
          thread_id: tid,
          assistant_id: "agent",
          after_seconds: 1e308,
        }),
      ),
    ).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/after_seconds/) });
    expect(await snapshot()).toEqual(before);
  });
});

describe("no web page can drive a local Loom: JSON routes take only JSON content types", () => {
  it("text/plain, a form type or no content type → 415; application/json and +json are served", async () => {
    const before = await snapshot();
    const body = Buffer.from('{"metadata": {"from": "a web page"}}');
    for (const type of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"]) {
      expectDetail(await rawPost("/threads", body, { "content-type": type }), 415, /application\/json/);
    }
    expectDetail(await rawPost("/threads", body, {}), 415, /application\/json/);
    const search = await rawPost("/threads/search", Buffer.from("{}"), { "content-type": "text/plain" });
    expect(search.status).toBe(415);
    expect(await snapshot()).toEqual(before);
    expect(
      (await rawPost("/threads", body, { "content-type": "application/json; charset=utf-8" })).status,
    ).toBe(200);
    expect(
      (await rawPost("/threads/count", Buffer.from("{}"), { "content-type": "application/vnd.api+json" }))
        .status,
    ).toBe(200);
  });
});

describe("a body announced over the limit gets 413 with a JSON detail, before it is read", () => {
  const big = Buffer.alloc(LIMIT * 16, 0x20);

  it("HTTP/1.1: the client that goes on sending still reads the 413, and the server keeps serving", async () => {
    const before = await snapshot();
    const r = await rawPost("/threads", big, { "content-type": "application/json" });
    expectDetail(r, 413, new RegExp(String(LIMIT)));
    // A client waiting for `100 Continue` gets the 413 instead and never sends the body.
    const early = await new Promise<{ status: number; sentBody: boolean; text: string }>(
      (resolve, reject) => {
        const req = http.request(`${B}/threads`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": String(big.length),
            expect: "100-continue",
          },
        });
        let sentBody = false;
        req.on("continue", () => {
          sentBody = true;
          req.end(big);
        });
        req.on("response", (res) => {
          let text = "";
          res.on("data", (c: Buffer) => {
            text += c.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, sentBody, text }));
        });
        req.on("error", reject);
        req.flushHeaders();
      },
    );
    expect(early).toMatchObject({ status: 413, sentBody: false });
    expect(JSON.parse(early.text).detail).toMatch(/limit/);
    expect(await snapshot()).toEqual(before);
    expect((await call(B, "GET", "/ok")).status).toBe(200);
  });

  it("HTTP/2: 413 on the stream even when the client never sends the announced body; the session stays usable", async () => {
    const session = http2.connect(B);
    try {
      const post = () =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const stream = session.request({
            ":method": "POST",
            ":path": "/threads",
            "content-type": "application/json",
            "content-length": String(big.length),
          });
          let status = 0;
          let text = "";
          stream.on("response", (h) => {
            status = Number(h[":status"]);
          });
          stream.on("data", (c: Buffer) => {
            text += c.toString();
          });
          // The body is never sent: the answer must not wait for it.
          stream.on("end", () => {
            resolve({ status, text });
            stream.close();
          });
          stream.on("error", reject);
        });
      const r = await post();
      expect(r.status).toBe(413);
      expect(JSON.parse(r.text).detail).toMatch(/limit/);
      const ok = session.request({ ":method": "GET", ":path": "/ok" });
      const status = await new Promise<number>((resolve) =>
        ok.on("response", (h) => resolve(Number(h[":status"]))),
      );
      ok.resume();
      expect(status).toBe(200);
    } finally {
      session.close();
    }
  });
});

describe("DNS rebinding: a Loom on a loopback address serves only loopback host names", () => {
  /** GET `path` with a chosen `Host` over HTTP/1.1. */
  function getWithHost(port: number, path: string, host: string) {
    return new Promise<{ status: number; body: Obj }>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || "{}") as Obj }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("a foreign Host gets 421 naming it on every route and protocol; loopback names with any port are served", async () => {
    const { port } = server;
    for (const path of ["/ok", "/threads/search", "/loom.v1.HealthService/Ok"]) {
      expectDetail(await getWithHost(port, path, `attacker.example:${port}`), 421, /attacker\.example/);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "LOCALHOST"]) {
      expect((await getWithHost(port, "/ok", host)).status).toBe(200);
    }
    // HTTP/2 (gRPC, Connect) carries the name in :authority.
    const session = http2.connect(B);
    try {
      const stream = session.request({ ":method": "GET", ":path": "/ok", ":authority": "attacker.example" });
      const status = await new Promise<number>((resolve) =>
        stream.on("response", (h) => resolve(Number(h[":status"]))),
      );
      stream.resume();
      expect(status).toBe(421);
    } finally {
      session.close();
    }
    // grpc-js sends the target as :authority: 127.0.0.1:<port> is served.
    expect(await grpcCode(grpcApi.call("ThreadsService", "Count", {}))).toEqual({
      code: undefined,
      details: "",
    });
  });

  it("LOOM_ALLOWED_HOSTS adds names; * turns the check off", async () => {
    const listed = await startTestServer("api_refusals_hosts", { allowedHosts: ["loom.internal"] });
    const any = await startTestServer("api_refusals_any", { allowedHosts: ["*"] });
    try {
      expect((await getWithHost(listed.port, "/ok", "loom.internal:80")).status).toBe(200);
      expect((await getWithHost(listed.port, "/ok", "localhost")).status).toBe(200);
      expect((await getWithHost(listed.port, "/ok", "other.internal")).status).toBe(421);
      expect((await getWithHost(any.port, "/ok", "attacker.example")).status).toBe(200);
    } finally {
      await Promise.all([listed.close(), any.close()]);
    }
  });
});
