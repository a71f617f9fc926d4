/**
 * Human in the loop with the generated Loom client (`loom-client`, from gen/js) and Connect-ES.
 *
 * Runs graph `agent` until its `interrupt()`, resumes it with an edited text, prints the final state and the
 * thread's history, then streams a second run. Server: LOOM_URL (default http://127.0.0.1:8123). Protocol:
 * LOOM_PROTOCOL = `grpc` (default), `connect` or `grpc-web`; Loom serves all three on its one port.
 */
import { fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { RunsService, ThreadsService } from "loom-client";

/** The transport for `protocol`; plain-text HTTP/2 (h2c) for gRPC, HTTP/1.1 for Connect and gRPC-Web. */
function transport(baseUrl: string, protocol: string): Transport {
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl });
    case "connect":
      return createConnectTransport({ baseUrl, httpVersion: "1.1" });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1" });
    default:
      throw new Error(`LOOM_PROTOCOL must be grpc, connect or grpc-web, not ${protocol}`);
  }
}

/** Any JSON value as a google.protobuf.Value. */
const value = (json: JsonValue) => fromJson(ValueSchema, json);

/** JSON with sorted object keys, as the Python and Go examples print it. */
function sorted(json: unknown): string {
  return JSON.stringify(json, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

async function main(): Promise<void> {
  const t = transport(process.env.LOOM_URL ?? "http://127.0.0.1:8123", process.env.LOOM_PROTOCOL ?? "grpc");
  const threads = createClient(ThreadsService, t);
  const runs = createClient(RunsService, t);

  const { threadId } = await threads.create({});
  console.log(`thread: ${threadId}`);

  const first = await runs.wait({
    threadId,
    assistantId: "agent",
    input: value({ some_text: "original text" }),
  });
  console.log(`interrupt: ${sorted(first.values?.__interrupt__)}`);

  const resumed = await runs.wait({
    threadId,
    assistantId: "agent",
    command: { resume: value("Edited text") },
  });
  console.log(`final: ${sorted(resumed.values)}`);

  const { states } = await threads.getHistory({ threadId, limit: 20 });
  console.log(`history: ${states.length} checkpoints, newest first`);
  for (const state of states) {
    const { step, source } = state.metadata ?? {};
    console.log(`  step ${step} ${source} next=${JSON.stringify(state.next)} values=${sorted(state.values)}`);
  }

  // Server streaming: the first run again, on a new thread, event by event.
  const other = await threads.create({});
  const parts = runs.stream({
    threadId: other.threadId,
    assistantId: "agent",
    input: value({ some_text: "streamed text" }),
    streamMode: ["values"],
  });
  for await (const part of parts) {
    console.log(`stream ${part.event}: ${sorted(part.data ? toJson(ValueSchema, part.data) : null)}`);
  }
}

main().catch((error: unknown) => {
  const err = ConnectError.from(error);
  console.error(`loom: ${Code[err.code]}: ${err.rawMessage}`);
  process.exit(1);
});
