/**
 * The documented flows through `@grpc/grpc-js` with descriptors loaded by `@grpc/proto-loader` from `proto/`
 * (no generated TS code): HITL, static breakpoints, time travel, server streaming, status codes, and error
 * messages that arrive as sent.
 */
import path from "node:path";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { type ApiServer, projectRoot, startApiServer } from "./support.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** google.protobuf.Value in proto-loader's raw form. */
type RawValue = Record<string, unknown>;

function toValue(v: Json): RawValue {
  if (v === null) return { nullValue: "NULL_VALUE" };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v) };
}
function toStruct(o: { [k: string]: Json }): RawValue {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}
function fromValue(v: RawValue): Json {
  switch (v.kind) {
    case "nullValue":
      return null;
    case "stringValue":
    case "numberValue":
    case "boolValue":
      return v[v.kind] as Json;
    case "listValue":
      return ((v.listValue as { values: RawValue[] }).values ?? []).map(fromValue);
    case "structValue":
      return fromStruct(v.structValue as RawValue);
    default:
      return null;
  }
}
function fromStruct(s: RawValue | null | undefined): { [k: string]: Json } {
  const fields = (s?.fields ?? {}) as Record<string, RawValue>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fromValue(v)]));
}

type Unary = (req: object, cb: (e: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;
type Client = grpc.Client & Record<string, Unary>;

let server: ApiServer;
let threads: Client;
let runs: Client;

function rpc(client: Client, method: string, req: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    (client[method] as Unary).call(client, req, (e, res) => (e ? reject(e) : resolve(res)));
  });
}

beforeAll(async () => {
  server = await startApiServer("api_grpc_flows");
  const def = protoLoader.loadSync(["loom/v1/threads.proto", "loom/v1/runs.proto"], {
    includeDirs: [path.join(projectRoot, "proto")],
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    loom: { v1: Record<string, grpc.ServiceClientConstructor> };
  };
  const target = `127.0.0.1:${server.port}`;
  const creds = grpc.credentials.createInsecure();
  threads = new (pkg.loom.v1.ThreadsService as grpc.ServiceClientConstructor)(target, creds) as Client;
  runs = new (pkg.loom.v1.RunsService as grpc.ServiceClientConstructor)(target, creds) as Client;
});
afterAll(async () => {
  threads?.close();
  runs?.close();
  await server?.close();
});

async function newThread(): Promise<string> {
  return (await rpc(threads, "Create", {})).thread_id as string;
}

describe("gRPC (grpc-js)", () => {
  it("human in the loop: Wait → __interrupt__, Wait with command.resume → final values", async () => {
    const tid = await newThread();
    const first = await rpc(runs, "Wait", {
      thread_id: tid,
      assistant_id: "agent",
      input: toValue({ some_text: "original text" }),
    });
    const body = fromStruct(first.values as RawValue);
    const interrupts = body.__interrupt__ as Array<{ [k: string]: Json }>;
    expect(interrupts[0]?.value).toEqual({ text_to_revise: "original text" });
    expect((first.run as { status: string }).status).toBe("success");
    const thread = await rpc(threads, "Get", { thread_id: tid });
    expect(thread.status).toBe("interrupted");

    const resumed = await rpc(runs, "Wait", {
      thread_id: tid,
      assistant_id: "agent",
      command: { resume: toValue("Edited text") },
    });
    expect(fromStruct(resumed.values as RawValue)).toEqual({ some_text: "Edited text" });
  });

  it("static breakpoints with interrupt_before / interrupt_after", async () => {
    const tid = await newThread();
    const bp = { interrupt_before: ["node_a"], interrupt_after: ["node_b", "node_c"] };
    const r1 = await rpc(runs, "Wait", {
      thread_id: tid,
      assistant_id: "breakpoints",
      input: toValue({ messages: [] }),
      ...bp,
    });
    expect(fromStruct(r1.values as RawValue)).toEqual({ messages: [], __interrupt__: [] });
    const state = await rpc(threads, "GetState", { thread_id: tid });
    expect(state.next).toEqual(["node_a"]);
    const r2 = await rpc(runs, "Wait", { thread_id: tid, assistant_id: "breakpoints", ...bp });
    expect(fromStruct(r2.values as RawValue)).toEqual({ messages: ["node_a", "node_b"], __interrupt__: [] });
  });

  it("time travel: GetHistory, UpdateState at a checkpoint, Wait from the fork", async () => {
    const tid = await newThread();
    await rpc(runs, "Wait", { thread_id: tid, assistant_id: "joke", input: toValue({}) });
    const history = (await rpc(threads, "GetHistory", { thread_id: tid, limit: 10 })).states as Array<
      Record<string, unknown>
    >;
    expect(history).toHaveLength(4);
    const before = history.find((s) => (s.next as string[])[0] === "write_joke");
    const cpId = (before?.checkpoint as { checkpoint_id: string } | undefined)?.checkpoint_id;
    const upd = await rpc(threads, "UpdateState", {
      thread_id: tid,
      checkpoint_id: cpId,
      values: toValue({ topic: "chickens" }),
    });
    const forkId = (upd.checkpoint as { checkpoint_id: string }).checkpoint_id;
    const r = await rpc(runs, "Wait", { thread_id: tid, assistant_id: "joke", checkpoint_id: forkId });
    const values = fromStruct(r.values as RawValue);
    expect(values.topic).toBe("chickens");
    expect(values.joke).toContain("chickens");
  });

  it("Stream is server-streaming: metadata first, then values parts", async () => {
    const tid = await newThread();
    const parts: Array<{ event: string; data: Json; id: string }> = [];
    await new Promise<void>((resolve, reject) => {
      const call = (
        runs as unknown as Record<string, (req: object) => grpc.ClientReadableStream<RawValue>>
      ).Stream?.call(runs, {
        thread_id: tid,
        assistant_id: "breakpoints",
        input: toValue({ messages: ["x"] }),
        stream_mode: ["values"],
      });
      call?.on("data", (p: RawValue) =>
        parts.push({ event: p.event as string, data: fromValue(p.data as RawValue), id: p.id as string }),
      );
      call?.on("error", reject);
      call?.on("end", resolve);
    });
    expect(parts[0]?.event).toBe("metadata");
    expect(parts.at(-1)).toMatchObject({
      event: "values",
      data: { messages: ["x", "node_a", "node_b", "node_c"] },
    });
  });

  it("status codes: NOT_FOUND, INVALID_ARGUMENT, ALREADY_EXISTS", async () => {
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => -1,
        (e: grpc.ServiceError) => e.code,
      );
    const tid = await newThread();
    expect(await codeOf(rpc(threads, "Get", { thread_id: "00000000-0000-4000-8000-000000000000" }))).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(await codeOf(rpc(runs, "Wait", { thread_id: tid, assistant_id: "nope" }))).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(await codeOf(rpc(threads, "Get", { thread_id: "x" }))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await codeOf(rpc(threads, "Create", { thread_id: tid }))).toBe(grpc.status.ALREADY_EXISTS);
  });

  it("an error message arrives as sent, reserved characters, % and non-ASCII included (grpc-js and Connect)", async () => {
    const id = "a/b:c,d?e@f#g$h&i=j+k;l%m%41 é🙂";
    const expected = `Invalid thread_id: must be a UUID, got "${id}"`;
    const viaGrpcJs = await rpc(threads, "Get", { thread_id: id }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(viaGrpcJs?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(viaGrpcJs?.details).toBe(expected);
    const connect = createClient(
      ThreadsService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }),
    );
    const viaConnect = await connect.get({ threadId: id }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(viaConnect?.rawMessage).toBe(expected);
  });

  it("durability: sync, async and exit run; anything else is INVALID_ARGUMENT naming the field", async () => {
    for (const durability of ["sync", "async", "exit"]) {
      const tid = await newThread();
      const out = await rpc(runs, "Wait", {
        thread_id: tid,
        assistant_id: "breakpoints",
        input: toValue({ messages: ["x"] }),
        durability,
      });
      expect(fromStruct(out.values as RawValue)).toEqual({ messages: ["x", "node_a", "node_b", "node_c"] });
    }
    const tid = await newThread();
    const error = await rpc(runs, "Wait", {
      thread_id: tid,
      assistant_id: "breakpoints",
      durability: "later",
    }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/durability/);
  });
});
