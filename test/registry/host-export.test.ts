/**
 * Which engine hosts a graph export (src/registry/host-export.ts), and the start-up refusal of an export that is
 * no graph: `src/main.ts` exits with code 2 naming the graph, before it starts MongoDB.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { END, START, StateGraph } from "../../src/engine/index.js";
import { GraphConfigError } from "../../src/registry/errors.js";
import { hostExport, isLangGraphJsGraph, missingPackageHint } from "../../src/registry/host-export.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

const loomGraph = () =>
  new StateGraph({})
    .addNode("a", () => ({}))
    .addEdge(START, "a")
    .addEdge("a", END)
    .compile({ name: "tiny" });

describe("hostExport", () => {
  it("hosts a Loom CompiledGraph on Loom's engine, directly or from a (sync or async) factory", async () => {
    for (const value of [loomGraph(), () => loomGraph(), async () => loomGraph()]) {
      const hosted = await hostExport("g", "m.ts:graph", value);
      expect(hosted.engine).toBe("loom");
      expect(hosted.name).toBe("tiny");
      expect(hosted.hasNode("a")).toBe(true);
      expect(hosted.hasNode(START)).toBe(false);
    }
  });

  it("refuses an export that is neither kind, naming the graph and the export", async () => {
    for (const value of [undefined, null, 42, { nodes: {} }, () => "no graph"]) {
      const refused = hostExport("bad_graph", "./m.ts:graph", value);
      await expect(refused).rejects.toBeInstanceOf(GraphConfigError);
      await expect(refused).rejects.toThrow(/graph "bad_graph": \.\/m\.ts:graph is not a compiled graph/);
    }
  });

  it("names the factory that threw", async () => {
    const factory = () => {
      throw new Error("boom");
    };
    await expect(hostExport("f", "m.ts:make", factory)).rejects.toThrow(
      /graph "f": the factory m\.ts:make threw: boom/,
    );
  });

  it("recognises a LangGraph.js graph by its Pregel marker, without importing LangGraph.js", () => {
    expect(isLangGraphJsGraph({ lg_is_pregel: true, stream: () => undefined })).toBe(true);
    expect(isLangGraphJsGraph(loomGraph())).toBe(false);
  });

  it("says what to install when an import of @langchain/langgraph fails", () => {
    const error = Object.assign(new Error("Cannot find package '@langchain/langgraph' imported from x.ts"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    expect(missingPackageHint(error)).toMatch(
      /install @langchain\/langgraph@\^1\.4 and @langchain\/core@\^1\.2/,
    );
    expect(missingPackageHint(new Error("other"))).toBe("");
  });
});

describe("npm run dev with a config whose export is no graph", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "loom-bad-export-"));
    await writeFile(path.join(dir, "notgraph.mjs"), "export const graph = { hello: 'world' };\n");
    await writeFile(
      path.join(dir, "loom.json"),
      JSON.stringify({ graphs: { broken: "./notgraph.mjs:graph" } }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("exits with code 2 naming the graph, before MongoDB starts", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      // A mongod that cannot start: had the server tried, it would fail differently (exit 1).
      env: {
        ...process.env,
        LOOM_CONFIG: path.join(dir, "loom.json"),
        MONGOD_PATH: path.join(dir, "no-mongod"),
        MONGODB_URI: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(out).toMatch(/graph "broken": .*notgraph\.mjs:graph is not a compiled graph/);
    expect(out).not.toMatch(/MongoDB ready/);
  });
});
