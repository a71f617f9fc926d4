/**
 * The documented flows through `@grpc/grpc-js` with descriptors loaded by `@grpc/proto-loader` from `proto/`
 * (no generated TS code): HITL, static breakpoints, time travel, server streaming, status codes, and error
 * messages that arrive as sent.
 */
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import {
  fromStruct,
  fromValue,
  type GrpcClients,
  grpc,
  grpcClients,
  type Json,
  type RawMessage,
  toValue,
} from "../support/grpc-client.js";
import { type ApiServer, startApiServer } from "./support.js";

type Service = "ThreadsService" | "RunsService";
const threads: Service = "ThreadsService";
const runs: Service = "RunsService";

let server: ApiServer;
let clients: GrpcClients;

function rpc(service: Service, method: string, req: object): Promise<RawMessage> {
  return clients.call(service, method, req);
}

beforeAll(async () => {
  server = await startApiServer("api_grpc_flows");
  clients = grpcClients(server.port);
});
afterAll(async () => {
  clients?.close();
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
    const body = fromStruct(first.values as RawMessage);
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
    expect(fromStruct(resumed.values as RawMessage)).toEqual({ some_text: "Edited text" });
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
    expect(fromStruct(r1.values as RawMessage)).toEqual({ messages: [], __interrupt__: [] });
    const state = await rpc(threads, "GetState", { thread_id: tid });
    expect(state.next).toEqual(["node_a"]);
    const r2 = await rpc(runs, "Wait", { thread_id: tid, assistant_id: "breakpoints", ...bp });
    expect(fromStruct(r2.values as RawMessage)).toEqual({
      messages: ["node_a", "node_b"],
      __interrupt__: [],
    });
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
    const values = fromStruct(r.values as RawMessage);
    expect(values.topic).toBe("chickens");
    expect(values.joke).toContain("chickens");
  });

  it("Stream is server-streaming: metadata first, then values parts", async () => {
    const tid = await newThread();
    const parts: Array<{ event: string; data: Json; id: string }> = [];
    await new Promise<void>((resolve, reject) => {
      const call = clients.stream(runs, "Stream", {
        thread_id: tid,
        assistant_id: "breakpoints",
        input: toValue({ messages: ["x"] }),
        stream_mode: ["values"],
      });
      call.on("data", (p: RawMessage) =>
        parts.push({ event: p.event as string, data: fromValue(p.data as RawMessage), id: p.id as string }),
      );
      call.on("error", reject);
      call.on("end", resolve);
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
      expect(fromStruct(out.values as RawMessage)).toEqual({ messages: ["x", "node_a", "node_b", "node_c"] });
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
