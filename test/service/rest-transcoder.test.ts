/**
 * The REST transcoder's pieces without a server: path templates, the route table built from the
 * google.api.http annotations, request building, SSE framing, REST statuses.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { AssistantsService } from "../../gen/ts/loom/v1/assistants_pb.js";
import { HealthService } from "../../gen/ts/loom/v1/health_pb.js";
import { CreateRunRequestSchema, RunsService } from "../../gen/ts/loom/v1/runs_pb.js";
import { GetHistoryRequestSchema, ThreadsService } from "../../gen/ts/loom/v1/threads_pb.js";
import {
  BodyRefusedError,
  MalformedJsonError,
  parseJsonBody,
  requireJsonContentType,
} from "../../src/service/rest/body.js";
import { restStatusForCode } from "../../src/service/rest/http-status.js";
import { buildRequest, queryToJson } from "../../src/service/rest/request.js";
import { buildRouteTable } from "../../src/service/rest/routes.js";
import { formatSseEvent } from "../../src/service/rest/sse.js";
import { compilePathTemplate, PathTemplateError } from "../../src/service/rest/template.js";

describe("path templates", () => {
  it("matches variables, decodes them, and counts literals", () => {
    const t = compilePathTemplate("/threads/{thread_id}/runs/{run_id}/join");
    expect(t.literalCount).toBe(3);
    expect(t.match("/threads/a%20b/runs/r1/join")).toEqual({ thread_id: "a b", run_id: "r1" });
    expect(t.match("/threads/a/runs/r1/join/")).toEqual({ thread_id: "a", run_id: "r1" });
    expect(t.match("/threads/a/runs/join")).toBeUndefined();
  });

  it("supports {var=pattern/**}, bare wildcards and a :verb", () => {
    expect(compilePathTemplate("/v1/{name=projects/*/docs/**}").match("/v1/projects/p/docs/a/b")).toEqual({
      name: "projects/p/docs/a/b",
    });
    expect(compilePathTemplate("/a/*/b:cancel").match("/a/x/b:cancel")).toEqual({});
    expect(() => compilePathTemplate("threads")).toThrow(PathTemplateError);
    expect(() => compilePathTemplate("/threads/{id")).toThrow(PathTemplateError);
  });
});

describe("route table", () => {
  const table = buildRouteTable([ThreadsService, RunsService, AssistantsService, HealthService]);

  it("has a route for every LangGraph path of docs/api.md §3 that Loom serves", () => {
    const routes = new Set(table.routes.map((r) => `${r.verb} ${r.template.source}`));
    for (const r of [
      "POST /threads",
      "GET /threads/{thread_id}",
      "PATCH /threads/{thread_id}",
      "DELETE /threads/{thread_id}",
      "POST /threads/search",
      "POST /threads/count",
      "POST /threads/{thread_id}/copy",
      "GET /threads/{thread_id}/state",
      "GET /threads/{thread_id}/state/{checkpoint_id}",
      "POST /threads/{thread_id}/state/checkpoint",
      "POST /threads/{thread_id}/state",
      "GET /threads/{thread_id}/history",
      "POST /threads/{thread_id}/history",
      "POST /threads/{thread_id}/runs",
      "POST /threads/{thread_id}/runs/wait",
      "POST /threads/{thread_id}/runs/stream",
      "GET /threads/{thread_id}/runs",
      "GET /threads/{thread_id}/runs/{run_id}",
      "DELETE /threads/{thread_id}/runs/{run_id}",
      "GET /threads/{thread_id}/runs/{run_id}/join",
      "GET /threads/{thread_id}/runs/{run_id}/stream",
      "POST /threads/{thread_id}/runs/{run_id}/cancel",
      "POST /runs",
      "POST /runs/wait",
      "POST /runs/stream",
      "POST /assistants",
      "GET /assistants/{assistant_id}",
      "PATCH /assistants/{assistant_id}",
      "DELETE /assistants/{assistant_id}",
      "POST /assistants/search",
      "POST /assistants/count",
      "GET /assistants/{assistant_id}/graph",
      "GET /assistants/{assistant_id}/schemas",
      "GET /ok",
      "GET /info",
    ]) {
      expect(routes, r).toContain(r);
    }
  });

  it("prefers literal segments, and tells a wrong verb from a missing route", () => {
    const search = table.find("POST", "/threads/search");
    expect(search.kind === "found" && search.route.method.name).toBe("Search");
    const get = table.find("GET", "/threads/search");
    expect(get.kind === "found" && get.route.method.name).toBe("Get");
    const atCheckpoint = table.find("GET", "/threads/t/state/checkpoint");
    expect(atCheckpoint.kind === "found" && atCheckpoint.vars).toEqual({
      thread_id: "t",
      checkpoint_id: "checkpoint",
    });
    expect(table.find("PUT", "/threads")).toEqual({ kind: "wrong-verb", allowed: ["POST"] });
    expect(table.find("GET", "/nope")).toEqual({ kind: "none" });
  });

  it("carries body and response_body", () => {
    const wait = table.find("POST", "/runs/wait");
    expect(wait.kind === "found" && [wait.route.body, wait.route.responseBody]).toEqual(["*", "values"]);
    const list = table.find("GET", "/threads/t/runs");
    expect(list.kind === "found" && [list.route.body, list.route.responseBody]).toEqual(["", "runs"]);
  });
});

describe("request building", () => {
  it("takes the body for body '*', ignores unknown fields, lifts lone strings into lists, applies path vars", () => {
    const req = buildRequest(CreateRunRequestSchema, {
      body: "*",
      json: {
        assistant_id: "agent",
        thread_id: "ignored-by-path",
        interrupt_before: "*",
        stream_mode: "updates",
        checkpoint_during: true,
        input: null,
      },
      query: new URLSearchParams(),
      vars: { thread_id: "t1" },
    });
    expect(req.threadId).toBe("t1");
    expect(req.interruptBefore).toEqual(["*"]);
    expect(req.streamMode).toEqual(["updates"]);
    expect(req.input?.kind.case).toBe("nullValue");
  });

  it("coerces query parameters by field type; SDK-style JSON arrays become lists", () => {
    expect(
      queryToJson(
        CreateRunRequestSchema,
        new URLSearchParams("stream_subgraphs=1&stream_mode=%5B%22values%22%5D&x=1"),
      ),
    ).toEqual({ stream_subgraphs: true, stream_mode: ["values"] });
    const req = buildRequest(GetHistoryRequestSchema, {
      body: "",
      json: undefined,
      query: new URLSearchParams("limit=5&before=abc"),
      vars: { thread_id: "t" },
    });
    expect(req.limit).toBe(5);
    expect(req.before?.kind).toEqual({ case: "stringValue", value: "abc" });
  });

  it("refuses wrong types and non-object bodies with InvalidArgument naming the field", () => {
    const build = (json: unknown) =>
      buildRequest(CreateRunRequestSchema, {
        body: "*",
        json: json as never,
        query: new URLSearchParams(),
        vars: {},
      });
    expect(() => build({ assistant_id: 5 })).toThrow(/assistant_id/);
    expect(() => build([1])).toThrow(/JSON object/);
    expect(() => parseJsonBody("{")).toThrow(MalformedJsonError);
    expect(parseJsonBody("  ")).toBeUndefined();
    expect(() => build(null)).toThrow(/not null/);
  });

  it("refuses bytes that are not UTF-8, a __proto__ key at any depth, and bodies that are not JSON by type", () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error instanceof BodyRefusedError ? [error.status, error.message] : error;
      }
      return "accepted";
    };
    expect(refusal(() => parseJsonBody(Buffer.from([0x22, 0xff, 0x22])))).toEqual([
      422,
      expect.stringMatching(/UTF-8/),
    ]);
    expect(parseJsonBody(Buffer.from('"é"'))).toBe("é");
    expect(refusal(() => parseJsonBody('{"metadata": {"a": [{"__proto__": {"x": 1}}]}}'))).toEqual([
      422,
      expect.stringMatching(/__proto__/),
    ]);
    // `constructor` is data like any key; JSON null and scalars parse as themselves.
    expect(parseJsonBody('{"constructor": {"prototype": 1}}')).toEqual({ constructor: { prototype: 1 } });
    expect(parseJsonBody("null")).toBeNull();
    for (const ok of [
      "application/json",
      "application/json; charset=utf-8",
      "application/merge-patch+json",
    ]) {
      expect(refusal(() => requireJsonContentType(ok))).toBe("accepted");
    }
    for (const bad of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      undefined,
    ]) {
      expect(refusal(() => requireJsonContentType(bad))).toEqual([
        415,
        expect.stringMatching(/application\/json/),
      ]);
    }
    expect(refusal(() => requireJsonContentType("application/json; charset=latin1"))).toEqual([
      415,
      expect.any(String),
    ]);
  });
});

describe("SSE and statuses", () => {
  it("frames one event as event, one compact data line, id", () => {
    expect(formatSseEvent({ event: "values", data: { a: [1, 2] }, id: "3" })).toBe(
      'event: values\ndata: {"a":[1,2]}\nid: 3\n\n',
    );
    expect(formatSseEvent({ event: "metadata", data: { run_id: "r" } })).toBe(
      'event: metadata\ndata: {"run_id":"r"}\n\n',
    );
  });

  it("maps Connect codes to the statuses of DESIGN.md; no client mistake is a 5xx", () => {
    expect(restStatusForCode(Code.InvalidArgument)).toBe(422);
    expect(restStatusForCode(Code.NotFound)).toBe(404);
    expect(restStatusForCode(Code.AlreadyExists)).toBe(409);
    expect(restStatusForCode(Code.FailedPrecondition)).toBe(409);
    expect(restStatusForCode(Code.Aborted)).toBe(409);
    expect(restStatusForCode(Code.Internal)).toBe(500);
  });
});
