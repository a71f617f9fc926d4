/**
 * Python clients against a real Loom: the generated stubs installed with `pip install ./gen/python` (Health and
 * the HITL example over gRPC) and the official `langgraph-sdk` over the REST bridge. Tools come from the pinned
 * venv of `scripts/generate-polyglot.sh --tools` (CI installs it before the tests; here it is a no-op then).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOOM_VERSION } from "../../src/version.js";
import { type ApiServer, projectRoot, startApiServer } from "../api/support.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { expectHitlOutput, ROOT, runOrThrow, runProgram, VENV_PYTHON } from "./programs.js";

let server: ApiServer;
const python = (args: string[]) => runProgram(VENV_PYTHON, args, { env: { LOOM_URL: server.baseUrl } });

beforeAll(async () => {
  await runOrThrow("bash", ["scripts/generate-polyglot.sh", "--tools"], { timeoutMs: 600_000 });
  // What the README tells a user; no build isolation, so the venv's pinned setuptools builds it offline.
  const pip = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-build-isolation"];
  await runOrThrow(VENV_PYTHON, [...pip, "./gen/python"], { timeoutMs: 300_000 });
  server = await startApiServer("polyglot_python");
}, 900_000);

afterAll(async () => {
  await server?.close();
});

describe("generated Python stubs (pip install ./gen/python)", () => {
  it("installs package loom.v1 with messages, gRPC stubs and type stubs", async () => {
    const script =
      "import loom.v1.runs_pb2_grpc as m, importlib.metadata as md; print(md.version('loom-client')); print(m.__file__)";
    const out = await python(["-c", script]);
    expect(out.code, out.stderr).toBe(0);
    const [version, file = ""] = out.stdout.trim().split("\n");
    expect(version).toBe("0.1.0");
    expect(file).toContain(`${path.sep}site-packages${path.sep}loom${path.sep}v1${path.sep}`);
    for (const name of ["runs_pb2.pyi", "threads_pb2.pyi", "py.typed"]) {
      expect(existsSync(path.join(path.dirname(file), name)), name).toBe(true);
    }
  });

  it("examples/python/health.py calls HealthService Ok and Info over gRPC", async () => {
    const out = await python([path.join(ROOT, "examples/python/health.py")]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`ok: True\nversion: ${LOOM_VERSION}\n`);
  });

  it("examples/python/hitl.py: interrupt, resume, final state, history and a server stream", async () => {
    const out = await python([path.join(ROOT, "examples/python/hitl.py")]);
    expect(out.code, out.stderr).toBe(0);
    expectHitlOutput(out.stdout);
  });
});

describe("official Python SDK (langgraph-sdk) over the REST bridge", () => {
  it("runs routes: default enqueue, join_stream with empty stream_mode, create_batch, cancel_many", async () => {
    const out = await python([path.join(ROOT, "test/polyglot/sdk_runs.py")]);
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok join_stream of a queued run\nok batch\nok cancel_many\n");
  });

  it("assistants get/get_graph/get_schemas/search/count, threads copy/count/delete, runs cancel/delete", async () => {
    const out = await python([path.join(ROOT, "test/polyglot/sdk_sweep.py")]);
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok assistants\nok threads\nok runs\n");
  });

  it("static breakpoints, dynamic interrupt with Command(resume=...), time travel", async () => {
    const out = await python([path.join(ROOT, "test/polyglot/sdk_flows.py")]);
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok static breakpoints\nok dynamic interrupt\nok time travel\n");
  });
});

describe("official Python SDK (langgraph-sdk) client.store", () => {
  it("put_item, get_item with TTL, search_items (filter, query, paging), list_namespaces, delete_item, 422", async () => {
    const out = await python([path.join(ROOT, "test/polyglot/sdk_store.py")]);
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok items and search\nok namespaces and delete\n");
  });
});

describe("official Python SDK (langgraph-sdk): thread stream, extract, delete_threads", () => {
  it("join_stream across runs with last_event_id and stream_mode, search extract, assistants.delete(delete_threads)", async () => {
    const out = await python([path.join(ROOT, "test/polyglot/sdk_threadstream.py")]);
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok join_stream\nok extract and delete_threads\n");
  });
});

describe("official Python SDK (langgraph-sdk): subgraphs of a Loom and a LangGraph.js graph", () => {
  let mixed: TestServer;
  beforeAll(async () => {
    mixed = await startTestServer("polyglot_python_subgraphs", {
      configPath: path.join(projectRoot, "test/api/loom.langgraphjs.json"),
    });
  });
  afterAll(async () => {
    await mixed?.close();
  });

  it("stream_subgraphs, get_state(subgraphs), checkpoint_ns on state, history and update_state, resume, 400", async () => {
    const out = await runProgram(VENV_PYTHON, [path.join(ROOT, "test/polyglot/sdk_subgraphs.py")], {
      env: { LOOM_URL: mixed.baseUrl },
    });
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok nested\nok lg_nested\n");
  });
});

describe("official Python SDK (langgraph-sdk) client.crons", () => {
  it("create (timezone, end_time), create_for_thread, search, count, update, delete, 422/404, a tick fires", async () => {
    const out = await python([path.join(ROOT, "test/polyglot/sdk_crons.py")]);
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok create, search, count, update, delete\nok a one-second thread cron fires\n");
  });
});

describe("official Python SDK (langgraph-sdk): assistant versions, subgraphs, run context", () => {
  let versionsServer: TestServer;
  beforeAll(async () => {
    versionsServer = await startTestServer("polyglot_python_versions", {
      configPath: path.join(projectRoot, "test/api/loom.versions.json"),
    });
  });
  afterAll(async () => {
    await versionsServer?.close();
  });

  it("get_versions (filter, paging), set_latest and a run on the pinned config, 404/422, context, 400 clash, get_subgraphs", async () => {
    const out = await runProgram(VENV_PYTHON, [path.join(ROOT, "test/polyglot/sdk_versions.py")], {
      env: { LOOM_URL: versionsServer.baseUrl },
    });
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok versions\nok context and subgraphs\n");
  });
});

describe("official Python SDK (langgraph-sdk): webhooks, thread TTL, prune", () => {
  let ttlServer: TestServer;
  beforeAll(async () => {
    ttlServer = await startTestServer("polyglot_python_webhooks", {
      configPath: path.join(projectRoot, "test/api/loom.test.json"),
      threadSweepMs: 100,
    });
  });
  afterAll(async () => {
    await ttlServer?.close();
  });

  it("a run's webhook is POSTed, a bad one is 422; ttl sweeps a thread; prune with both strategies", async () => {
    const out = await runProgram(VENV_PYTHON, [path.join(ROOT, "test/polyglot/sdk_webhooks_ttl.py")], {
      env: { LOOM_URL: ttlServer.baseUrl },
    });
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok webhooks\nok ttl\nok prune\n");
  });
});

describe("official Python SDK (langgraph-sdk), the LangGraph.js example agents of the default loom.json", () => {
  let agents: TestServer;
  beforeAll(async () => {
    agents = await startTestServer("polyglot_python_agents", {
      configPath: path.join(projectRoot, "loom.json"),
    });
  });
  afterAll(async () => {
    await agents?.close();
  });

  it("ReAct agent with both tools, its tokens on messages-tuple, tool review with approve / edit / reject", async () => {
    const out = await runProgram(VENV_PYTHON, [path.join(ROOT, "test/polyglot/sdk_agents.py")], {
      env: { LOOM_URL: agents.baseUrl },
    });
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toBe("ok react agent\nok token stream\nok tool review\n");
  });
});
