/**
 * What a careful client relies on, over every protocol against a real server: grpc-js (proto-loader on
 * `proto/`), connect-node's Connect transport on the generated descriptors, and the REST routes.
 */
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import { type ApiServer, call, projectRoot, startApiServer } from "./support.js";

let server: ApiServer;
let grpcThreads: grpc.Client;

beforeAll(async () => {
  server = await startApiServer("api_client_contract");
  const def = protoLoader.loadSync(["loom/v1/threads.proto"], {
    includeDirs: [path.join(projectRoot, "proto")],
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    loom: { v1: Record<string, grpc.ServiceClientConstructor> };
  };
  const Threads = pkg.loom.v1.ThreadsService as grpc.ServiceClientConstructor;
  grpcThreads = new Threads(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  grpcThreads?.close();
  await server?.close();
});

const UNKNOWN_CHECKPOINT = "1f0d4a3e-0000-6000-8000-000000000000";

describe("GetState with an unknown checkpoint id on a thread without checkpoints", () => {
  it("answers NOT_FOUND over grpc-js", async () => {
    const connect = createClient(
      ThreadsService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    );
    const { threadId } = await connect.create({});
    const error = await new Promise<grpc.ServiceError | null>((resolve) => {
      type Unary = (req: object, cb: (e: grpc.ServiceError | null) => void) => void;
      const getState = (grpcThreads as unknown as Record<string, Unary>).GetState as Unary;
      getState.call(grpcThreads, { thread_id: threadId, checkpoint_id: UNKNOWN_CHECKPOINT }, (e) =>
        resolve(e),
      );
    });
    expect(error?.code).toBe(grpc.status.NOT_FOUND);
    expect(error?.details).toContain(UNKNOWN_CHECKPOINT);
  });

  it("answers not_found over Connect", async () => {
    const connect = createClient(
      ThreadsService,
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    );
    const { threadId } = await connect.create({});
    const error = await connect
      .getState({ threadId, checkpointId: UNKNOWN_CHECKPOINT })
      .catch((e: unknown) => e);
    expect(ConnectError.from(error).code).toBe(Code.NotFound);
  });

  it("answers 404 with a detail over REST, and the head state stays empty", async () => {
    const created = await call(server.baseUrl, "POST", "/threads", {});
    const threadId = (created.body as { thread_id: string }).thread_id;
    const res = await call(server.baseUrl, "GET", `/threads/${threadId}/state/${UNKNOWN_CHECKPOINT}`);
    expect(res.status).toBe(404);
    expect((res.body as { detail: string }).detail).toContain(UNKNOWN_CHECKPOINT);
    const head = await call(server.baseUrl, "GET", `/threads/${threadId}/state`);
    expect(head.status).toBe(200);
    expect((head.body as { values: unknown }).values).toEqual({});
  });
});
