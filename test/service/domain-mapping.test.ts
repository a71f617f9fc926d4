/**
 * Boundary rules without a server: domain error → Connect code (one table), run outcome → wait body / thread
 * status, system assistant ids, the graph config loader's errors.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  CheckpointNotFoundError,
  GraphAbortedError,
  GraphRecursionError,
  MultipleInterruptsError,
  NodeNotFoundError,
  type RunResult,
} from "../../src/engine/index.js";
import { GraphConfigError, loadGraphRegistry } from "../../src/registry/load.js";
import { GraphNotFoundError } from "../../src/registry/registry.js";
import { systemAssistantId } from "../../src/service/assistants/resolve.js";
import {
  InvalidInputError,
  ThreadBusyUpdateError,
  toConnectError,
  withErrorMapping,
} from "../../src/service/errors.js";
import { runStatusFor, threadUpdateFor, waitBodyFor } from "../../src/service/runs/outcome.js";
import { ThreadBusyError, ThreadExistsError, ThreadNotFoundError } from "../../src/store/errors.js";

describe("toConnectError", () => {
  it("a transient store error (the test given) becomes Unavailable with a detail; without the test, Internal", () => {
    class Away extends Error {}
    const error = new Away("connect ECONNREFUSED 127.0.0.1:27017");
    const mapped = toConnectError(error, (e) => e instanceof Away);
    expect(mapped.code).toBe(Code.Unavailable);
    expect(mapped.rawMessage).toBe("database unavailable: connect ECONNREFUSED 127.0.0.1:27017");
    // Retryable soon: a gRPC/Connect client reads it from the metadata, the REST bridge sends it as a header.
    expect(mapped.metadata.get("retry-after")).toBe("1");
    expect(toConnectError(error).code).toBe(Code.Internal);
    // Domain errors keep their code even when the test would match everything.
    expect(toConnectError(new ThreadNotFoundError("t"), () => true).code).toBe(Code.NotFound);
  });

  it.each([
    [new ThreadNotFoundError("t"), Code.NotFound],
    [new GraphNotFoundError("g"), Code.NotFound],
    [new CheckpointNotFoundError("t", "c"), Code.NotFound],
    [new ThreadExistsError("t"), Code.AlreadyExists],
    [new ThreadBusyError("t"), Code.FailedPrecondition],
    [new ThreadBusyUpdateError("t"), Code.FailedPrecondition],
    [new InvalidInputError("x"), Code.InvalidArgument],
    [new NodeNotFoundError("n"), Code.InvalidArgument],
    [new MultipleInterruptsError(["a", "b"]), Code.InvalidArgument],
    [new Error("boom"), Code.Internal],
  ])("%s → %s", (error, code) => {
    const ce = toConnectError(error);
    expect(ce.code).toBe(code);
    if (code !== Code.Internal) expect(ce.rawMessage).toBe(error.message);
  });

  it("withErrorMapping maps unary rejections and streamed errors alike", async () => {
    const impl = withErrorMapping({
      async unary() {
        throw new ThreadNotFoundError("t");
      },
      async *stream() {
        yield 1;
        throw new ThreadBusyError("t");
      },
    });
    await expect(impl.unary()).rejects.toSatisfy(
      (e) => e instanceof ConnectError && e.code === Code.NotFound,
    );
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const x of impl.stream()) seen.push(x);
      })(),
    ).rejects.toSatisfy((e) => e instanceof ConnectError && e.code === Code.FailedPrecondition);
    expect(seen).toEqual([1]);
  });
});

describe("run outcome", () => {
  const base: RunResult = { status: "success", values: { a: 1 }, interrupts: [], next: [], checkpoint: null };
  const interrupt = {
    id: "f".repeat(32),
    value: "q",
    ns: ["node:task-1"],
    when: "during" as const,
    resumable: true as const,
  };

  it("finished: values, thread idle, run success", () => {
    expect(waitBodyFor(base)).toEqual({ a: 1 });
    expect(threadUpdateFor(base).status).toBe("idle");
    expect(runStatusFor(base)).toBe("success");
  });

  it("paused: values + __interrupt__, thread interrupted with interrupts by task id", () => {
    const r: RunResult = { ...base, status: "paused", interrupts: [interrupt], next: ["node"] };
    expect(waitBodyFor(r)).toEqual({ a: 1, __interrupt__: [{ ...interrupt }] });
    expect(threadUpdateFor(r)).toMatchObject({
      status: "interrupted",
      interrupts: { "task-1": [interrupt] },
    });
    expect(runStatusFor(r)).toBe("success");
    const breakpoint: RunResult = { ...base, status: "paused", next: ["b"] };
    expect(waitBodyFor(breakpoint)).toEqual({ a: 1, __interrupt__: [] });
  });

  it("failed: __error__ body, thread error; a cancel ends the run interrupted, not the thread in error", () => {
    const failed: RunResult = { ...base, status: "error", error: new GraphRecursionError(3) };
    expect(waitBodyFor(failed)).toEqual({
      __error__: { error: "GraphRecursionError", message: expect.any(String) },
    });
    expect(threadUpdateFor(failed).status).toBe("error");
    expect(runStatusFor(failed)).toBe("error");
    const cancelled: RunResult = { ...base, status: "error", next: ["x"], error: new GraphAbortedError() };
    expect(runStatusFor(cancelled)).toBe("interrupted");
    expect(threadUpdateFor(cancelled).status).toBe("interrupted");
  });
});

describe("registry and system assistants", () => {
  it("uses LangGraph's uuid5 namespace", () => {
    expect(systemAssistantId("agent")).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
  });

  it("names the problem in the config file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "loom-registry-"));
    const file = path.join(dir, "loom.json");
    await expect(loadGraphRegistry(file)).rejects.toThrow(GraphConfigError);
    await writeFile(file, '{"graphs": {"bad id!": "./x.ts:graph"}}');
    await expect(loadGraphRegistry(file)).rejects.toThrow(/graphs\.bad id!/);
    await writeFile(file, '{"graphs": {"g": "./missing.ts:graph"}}');
    await expect(loadGraphRegistry(file)).rejects.toThrow(/graph "g": cannot import/);
    await writeFile(path.join(dir, "notgraph.mjs"), "export const graph = 42;");
    await writeFile(file, '{"graphs": {"g": "./notgraph.mjs:graph"}}');
    await expect(loadGraphRegistry(file)).rejects.toThrow(
      /graph "g": .*notgraph\.mjs:graph is not a compiled graph/,
    );
  });

  it("loads loom.json's example graphs", async () => {
    const registry = await loadGraphRegistry(path.resolve("loom.json"));
    expect(registry.ids()).toEqual([
      "agent",
      "breakpoints",
      "breakpoints_static",
      "joke",
      "memory",
      "react_agent",
      "tool_review",
      "lg_breakpoints",
      "lg_memory",
      "lg_context",
    ]);
    expect(() => registry.get("nope")).toThrow(GraphNotFoundError);
  });
});
