/**
 * The standard gRPC services on Loom's port: server reflection (`grpc.reflection.v1`, `v1alpha`) lets
 * `buf curl` and grpcurl call Loom with no copy of `proto/`; `grpc.health.v1.Health` answers SERVING per service,
 * NOT_SERVING from the start of `app.close()` and while `mongod` is down, NOT_FOUND for an unknown service.
 * Real clients: buf curl, grpcurl (pinned, `scripts/generate-polyglot.sh --tools`), connect-node and grpc-js.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ServerReflection,
  type ServerReflectionRequestSchema,
  type ServerReflectionResponse,
} from "../../gen/ts/grpc/reflection/v1/reflection_pb.js";
import { createApp } from "../../src/app.js";
import { silentLogger } from "../../src/logger.js";
import { loadGraphRegistry } from "../../src/registry/load.js";
import { LOOM_VERSION } from "../../src/version.js";
import { ROOT, runProgram } from "../polyglot/programs.js";
import { openTestDb } from "../support/mongo.js";
import { startMongod, stopAllMongods, stopMongod } from "../support/restartable-mongod.js";
import { type ApiServer, projectRoot, startApiServer } from "./support.js";

const BUF = path.join(ROOT, "node_modules", ".bin", "buf");
const GRPCURL = path.join(ROOT, ".tools", "go-bin", "grpcurl");
const SERVICES = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "loom.v1.AssistantsService",
  "loom.v1.CronsService",
  "loom.v1.HealthService",
  "loom.v1.RunsService",
  "loom.v1.StoreService",
  "loom.v1.ThreadsService",
];

let server: ApiServer;
/** An empty directory to run the CLIs in: no proto/, no buf.yaml, so all they know comes from reflection. */
let emptyDir: string;

beforeAll(async () => {
  emptyDir = await mkdtemp(path.join(os.tmpdir(), "loom-reflect-"));
  server = await startApiServer("api_reflection");
});

afterAll(async () => {
  await server?.close();
  await stopAllMongods();
  if (emptyDir) await rm(emptyDir, { recursive: true, force: true });
});

/** Runs a CLI in the empty directory; throws with its output unless it exits 0; returns stdout. */
async function cli(command: string, args: string[]): Promise<string> {
  const out = await runProgram(command, args, { cwd: emptyDir, timeoutMs: 60_000 });
  if (out.code !== 0)
    throw new Error(`${path.basename(command)} ${args.join(" ")}: ${out.code}\n${out.stderr}`);
  return out.stdout;
}

describe("server reflection", () => {
  it("buf curl lists the services and calls ThreadsService/Create and RunsService/Wait with no --schema", async () => {
    const grpcH2 = ["curl", "--protocol", "grpc", "--http2-prior-knowledge"];
    const listed = await cli(BUF, [...grpcH2, "--list-services", server.baseUrl]);
    expect(listed.trim().split("\n")).toEqual(SERVICES);

    const thread = JSON.parse(
      await cli(BUF, [...grpcH2, "-d", "{}", `${server.baseUrl}/loom.v1.ThreadsService/Create`]),
    ) as { threadId: string; status: string };
    expect(thread.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(thread.status).toBe("idle");

    const waited = JSON.parse(
      await cli(BUF, [
        ...grpcH2,
        "-d",
        JSON.stringify({ thread_id: thread.threadId, assistant_id: "slow", input: { ms: 1 } }),
        `${server.baseUrl}/loom.v1.RunsService/Wait`,
      ]),
    ) as { values: unknown; run: { status: string } };
    expect(waited.values).toEqual({ ms: 1, done: true });
    expect(waited.run.status).toBe("success");
  });

  it("answers v1alpha, and over the Connect protocol on HTTP/2 too", async () => {
    const alpha = await cli(BUF, [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "--reflect-protocol",
      "grpc-v1alpha",
      "-d",
      "{}",
      `${server.baseUrl}/loom.v1.HealthService/Ok`,
    ]);
    expect(JSON.parse(alpha)).toEqual({ ok: true });
    const viaConnect = await cli(BUF, [
      "curl",
      "--http2-prior-knowledge",
      "-d",
      "{}",
      `${server.baseUrl}/loom.v1.ThreadsService/Create`,
    ]);
    expect(JSON.parse(viaConnect)).toMatchObject({ status: "idle" });
  });

  it("grpcurl (pinned) lists the services, describes a method and calls ThreadsService/Create", async () => {
    expect(existsSync(GRPCURL), "run `bash scripts/generate-polyglot.sh --tools` first").toBe(true);
    const address = `127.0.0.1:${server.port}`;
    expect((await cli(GRPCURL, ["-plaintext", address, "list"])).trim().split("\n")).toEqual(SERVICES);
    const described = await cli(GRPCURL, [
      "-plaintext",
      address,
      "describe",
      "loom.v1.ThreadsService.Create",
    ]);
    expect(described).toContain("rpc Create ( .loom.v1.CreateThreadRequest ) returns ( .loom.v1.Thread )");
    const thread = JSON.parse(
      await cli(GRPCURL, [
        "-plaintext",
        "-d",
        '{"metadata": {"via": "grpcurl"}}',
        address,
        "loom.v1.ThreadsService/Create",
      ]),
    ) as { threadId: string; metadata: unknown };
    expect(thread.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(thread.metadata).toEqual({ via: "grpcurl" });
  });

  it("sends a file with the imports this stream has not had yet; NOT_FOUND for an unknown symbol", async () => {
    const client = createClient(ServerReflection, createGrpcTransport({ baseUrl: server.baseUrl }));
    const requests: Array<MessageInitShape<typeof ServerReflectionRequestSchema>> = [
      { messageRequest: { case: "fileContainingSymbol", value: "loom.v1.ThreadsService.Create" } },
      { messageRequest: { case: "fileByFilename", value: "loom/v1/types.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: "loom.v1.NoSuchThing" } },
      {
        messageRequest: {
          case: "fileContainingExtension",
          value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 72295728 },
        },
      },
    ];
    const source = async function* () {
      yield* requests;
    };
    const responses: ServerReflectionResponse[] = [];
    for await (const response of client.serverReflectionInfo(source())) responses.push(response);
    const names = (r: ServerReflectionResponse | undefined) =>
      r?.messageResponse.case === "fileDescriptorResponse"
        ? r.messageResponse.value.fileDescriptorProto.map(
            (b) => fromBinary(FileDescriptorProtoSchema, b).name,
          )
        : r?.messageResponse.case;
    const [threads, types, missing, http] = responses;
    expect(names(threads)?.[0]).toBe("loom/v1/threads.proto");
    expect(names(threads)).toEqual(
      expect.arrayContaining([
        "loom/v1/types.proto",
        "google/api/annotations.proto",
        "google/protobuf/struct.proto",
      ]),
    );
    // Already sent on this stream as an import, asked for again by name: the file alone.
    expect(names(types)).toEqual(["loom/v1/types.proto"]);
    expect(missing?.messageResponse).toMatchObject({ case: "errorResponse", value: { errorCode: 5 } });
    expect(names(http)).toEqual(["google/api/annotations.proto"]);
  });
});

/** grpc-js Health client from the official proto (proto/grpc/health/v1/health.proto). */
type HealthStatus = "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN" | "UNKNOWN";
interface HealthClient extends grpc.Client {
  Check(
    req: { service: string },
    cb: (e: grpc.ServiceError | null, res: { status: HealthStatus }) => void,
  ): void;
  Watch(req: { service: string }): grpc.ClientReadableStream<{ status: HealthStatus }>;
}

function healthClient(port: number): HealthClient {
  const def = protoLoader.loadSync("grpc/health/v1/health.proto", {
    includeDirs: [path.join(projectRoot, "proto")],
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  return new pkg.grpc.health.v1.Health(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as HealthClient;
}

function check(client: HealthClient, service: string): Promise<HealthStatus> {
  return new Promise((resolve, reject) =>
    client.Check({ service }, (e, res) => (e ? reject(e) : resolve(res.status))),
  );
}

/** An open Watch: the statuses received so far, `next(status)` waits for one, `ended` settles with the call. */
function watch(client: HealthClient, service: string) {
  const call = client.Watch({ service });
  const seen: HealthStatus[] = [];
  const waiters: Array<() => void> = [];
  call.on("data", (m: { status: HealthStatus }) => {
    seen.push(m.status);
    for (const w of waiters.splice(0)) w();
  });
  const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
  call.on("error", () => {}); // the status event reports it
  return {
    seen,
    ended,
    cancel: () => call.cancel(),
    /** Resolves once `status` is the last one received. */
    async next(status: HealthStatus): Promise<void> {
      while (seen.at(-1) !== status) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

describe("grpc.health.v1.Health", () => {
  it("Check: SERVING for the server and each service, NOT_FOUND for an unknown one", async () => {
    const client = healthClient(server.port);
    try {
      for (const service of ["", ...SERVICES]) expect(await check(client, service), service).toBe("SERVING");
      await expect(check(client, "loom.v1.NoSuchService")).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
      });
      const unknown = watch(client, "loom.v1.NoSuchService");
      await unknown.next("SERVICE_UNKNOWN");
      unknown.cancel();
      expect((await unknown.ended).code).toBe(grpc.status.CANCELLED);
    } finally {
      client.close();
    }
  });

  it("Watch sends SERVING, then NOT_SERVING when app.close() starts, and ends so the drain is not held", async () => {
    const testDb = await openTestDb("api_health_close");
    const app = createApp({
      logger: silentLogger(),
      version: LOOM_VERSION,
      db: testDb.db,
      bodyLimitBytes: 1024 * 1024,
      registry: await loadGraphRegistry(path.join(projectRoot, "test/api/loom.test.json")),
    });
    const { port } = await app.listen(0, "127.0.0.1");
    const client = healthClient(port);
    try {
      const all = watch(client, "");
      const threads = watch(client, "loom.v1.ThreadsService");
      await all.next("SERVING");
      await threads.next("SERVING");
      // A long drain deadline: the watches must end on their own for close() to finish early.
      const closing = app.close(30_000);
      await all.next("NOT_SERVING");
      await threads.next("NOT_SERVING");
      expect((await all.ended).code).toBe(grpc.status.OK);
      expect((await threads.ended).code).toBe(grpc.status.OK);
      expect(all.seen).toEqual(["SERVING", "NOT_SERVING"]);
      await closing;
    } finally {
      client.close();
      await testDb.drop();
    }
  });

  it("NOT_SERVING while mongod does not answer, SERVING again once it is back", {
    timeout: 180_000,
  }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "loom-health-mongod-"));
    const first = await startMongod(dataDir);
    const mongo = await MongoClient.connect(first.uri, { serverSelectionTimeoutMS: 60_000 });
    const app = createApp({
      logger: silentLogger(),
      version: LOOM_VERSION,
      db: mongo.db("health"),
      bodyLimitBytes: 1024 * 1024,
      healthWatchPollMs: 100,
    });
    const { port } = await app.listen(0, "127.0.0.1");
    const client = healthClient(port);
    try {
      const watching = watch(client, "");
      await watching.next("SERVING");
      await stopMongod(first.child);
      await watching.next("NOT_SERVING");
      expect(await check(client, "loom.v1.RunsService")).toBe("NOT_SERVING");
      const second = await startMongod(dataDir);
      expect(second.uri).toBe(first.uri);
      await watching.next("SERVING");
      expect(await check(client, "")).toBe("SERVING");
      watching.cancel();
    } finally {
      client.close();
      await app.close(2_000);
      await mongo.close();
      await stopAllMongods();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
