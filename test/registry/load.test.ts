/**
 * Which file a graph module is imported from: as is from source (tsx, vitest), through its compiled twin under
 * `dist/` when Loom runs compiled (`npm start`). The compiled layouts here are temporary projects; the real build
 * is exercised by test/server/start.test.ts (`npm start`).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot as loomRoot, runningCompiled } from "../../src/paths.js";
import {
  compiledTwin,
  currentLayout,
  GraphConfigError,
  graphModuleFile,
  type LoomLayout,
  loadGraphRegistry,
} from "../../src/registry/load.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

describe("paths under vitest (running from src/)", () => {
  it("is the source layout with the repository as project root", () => {
    expect(runningCompiled).toBe(false);
    expect(loomRoot).toBe(ROOT);
    expect(currentLayout).toEqual({ compiled: false, projectRoot: ROOT, buildDir: path.join(ROOT, "dist") });
  });
});

describe("compiledTwin", () => {
  const layout = { projectRoot: "/p", buildDir: "/p/dist" };

  it("maps a TypeScript module under the project to the same path under dist/ with the emitted extension", () => {
    expect(compiledTwin("/p/src/graphs/agent.ts", layout)).toBe("/p/dist/src/graphs/agent.js");
    expect(compiledTwin("/p/src/graphs/deep/esm.mts", layout)).toBe("/p/dist/src/graphs/deep/esm.mjs");
    expect(compiledTwin("/p/src/graphs/old.cts", layout)).toBe("/p/dist/src/graphs/old.cjs");
    expect(compiledTwin("/p/graphs/top.ts", layout)).toBe("/p/dist/graphs/top.js");
    expect(compiledTwin("/p/..dots.ts", layout)).toBe("/p/dist/..dots.js");
  });

  it("has none for JavaScript or for modules outside the project", () => {
    expect(compiledTwin("/p/src/graphs/agent.js", layout)).toBeNull();
    expect(compiledTwin("/p/src/graphs/agent.mjs", layout)).toBeNull();
    expect(compiledTwin("/p/src/graphs/agent", layout)).toBeNull();
    expect(compiledTwin("/elsewhere/agent.ts", layout)).toBeNull();
    expect(compiledTwin("/p-other/agent.ts", layout)).toBeNull();
  });
});

describe("graphModuleFile and loadGraphRegistry in a compiled layout", () => {
  let project: string;
  let outside: string;
  let compiled: LoomLayout;
  let fromSource: LoomLayout;
  // A stand-in for a compiled graph: what loadGraphRegistry checks (nodes, channels, stateKeys) plus a marker.
  const fakeGraph = (marker: string) =>
    `export const graph = { nodes: new Map(), channels: new Map(), stateKeys: [], name: "${marker}" };\n`;

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), "loom-layout-"));
    outside = await mkdtemp(path.join(os.tmpdir(), "loom-outside-"));
    compiled = { compiled: true, projectRoot: project, buildDir: path.join(project, "dist") };
    fromSource = { ...compiled, compiled: false };
    await mkdir(path.join(project, "src/graphs"), { recursive: true });
    await mkdir(path.join(project, "dist/src/graphs"), { recursive: true });
    await mkdir(path.join(project, "graphs"), { recursive: true });
    await writeFile(path.join(project, "src/graphs/built.ts"), fakeGraph("source"));
    await writeFile(path.join(project, "dist/src/graphs/built.js"), fakeGraph("twin"));
    await writeFile(path.join(project, "src/graphs/esm.mts"), fakeGraph("source"));
    await writeFile(path.join(project, "dist/src/graphs/esm.mjs"), fakeGraph("twin"));
    await writeFile(path.join(project, "src/graphs/plain.mjs"), fakeGraph("plain"));
    await writeFile(path.join(project, "src/graphs/unbuilt.ts"), fakeGraph("source"));
    await writeFile(path.join(project, "graphs/top.ts"), fakeGraph("source"));
    await writeFile(path.join(outside, "far.ts"), fakeGraph("source"));
  });

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("from source, imports every module as named", async () => {
    for (const file of ["src/graphs/built.ts", "src/graphs/unbuilt.ts", "src/graphs/plain.mjs"]) {
      const modulePath = path.join(project, file);
      expect(await graphModuleFile("g", modulePath, fromSource)).toBe(modulePath);
    }
    const far = path.join(outside, "far.ts");
    expect(await graphModuleFile("g", far, fromSource)).toBe(far);
  });

  it("compiled, imports a .ts/.mts module's twin under dist/ and JavaScript as is", async () => {
    expect(await graphModuleFile("g", path.join(project, "src/graphs/built.ts"), compiled)).toBe(
      path.join(project, "dist/src/graphs/built.js"),
    );
    expect(await graphModuleFile("g", path.join(project, "src/graphs/esm.mts"), compiled)).toBe(
      path.join(project, "dist/src/graphs/esm.mjs"),
    );
    const plain = path.join(project, "src/graphs/plain.mjs");
    expect(await graphModuleFile("g", plain, compiled)).toBe(plain);
  });

  it("compiled, refuses a .ts module without a twin, naming it and what to do", async () => {
    const unbuilt = path.join(project, "src/graphs/unbuilt.ts");
    const error = await graphModuleFile("mine", unbuilt, compiled).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`graph "mine"`);
    expect(message).toContain(unbuilt);
    expect(message).toContain(path.join(project, "dist/src/graphs/unbuilt.js"));
    expect(message).toContain("put the module under src/");
    expect(message).toContain("npm run build");
    expect(message).toContain("npm run dev");
    // Under the project but outside src/: same remedy (the build compiles src/ only).
    await expect(graphModuleFile("g", path.join(project, "graphs/top.ts"), compiled)).rejects.toThrow(
      /dist\/graphs\/top\.js does not exist.*put the module under src\//,
    );
  });

  it("compiled, refuses a .ts module outside the project or missing", async () => {
    await expect(graphModuleFile("g", path.join(outside, "far.ts"), compiled)).rejects.toThrow(
      /graph "g": cannot load the TypeScript module .*far\.ts: it is outside the project .*npm run dev/,
    );
    // A stale twin of a deleted source is not served.
    const gone = path.join(project, "src/graphs/gone.ts");
    await writeFile(path.join(project, "dist/src/graphs/gone.js"), fakeGraph("stale"));
    await expect(graphModuleFile("g", gone, compiled)).rejects.toThrow(
      /graph "g": cannot import .*gone\.ts: no such file/,
    );
  });

  it("loadGraphRegistry imports the twins compiled and the sources from source", async () => {
    const config = path.join(project, "loom.json");
    await writeFile(
      config,
      JSON.stringify({
        graphs: { a: "./src/graphs/built.ts:graph", b: "./src/graphs/esm.mts", c: "./src/graphs/plain.mjs" },
      }),
    );
    const marker = (graph: { name: string }) => graph.name;
    const viaTwins = await loadGraphRegistry(config, compiled);
    expect(["a", "b", "c"].map((id) => marker(viaTwins.get(id)))).toEqual(["twin", "twin", "plain"]);
    const viaSources = await loadGraphRegistry(config, fromSource);
    expect(["a", "b", "c"].map((id) => marker(viaSources.get(id)))).toEqual(["source", "source", "plain"]);

    await writeFile(config, JSON.stringify({ graphs: { u: "./src/graphs/unbuilt.ts:graph" } }));
    await expect(loadGraphRegistry(config, compiled)).rejects.toThrow(
      /graph "u": cannot load the TypeScript/,
    );
  });
});
