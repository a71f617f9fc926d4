/**
 * `@langchain/langgraph` and `@langchain/core` are optional: with every `@langchain/*` import failing as if not
 * installed (a resolve hook, fixtures/no-langchain.mjs), Loom's own graphs load, and a config naming a LangGraph.js
 * graph (the default `loom.json` does: `examples/langgraphjs/`) stops `src/main.ts` with code 2, a message naming
 * the graph and what to install, before MongoDB starts.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const HOOK = path.join(ROOT, "test/registry/fixtures/no-langchain.mjs");

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--import", HOOK, ...args], {
    cwd: ROOT,
    env: { ...process.env, MONGODB_URI: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out })));
}

describe("without @langchain/* installed", () => {
  it("loads a config of Loom graphs only", async () => {
    const script = `const { loadGraphRegistry } = await import("./src/registry/load.ts");
      const r = await loadGraphRegistry("test/api/loom.test.json"); console.log("ids=" + r.ids().join(","));`;
    const { code, out } = await run(["--input-type=module", "-e", script]);
    expect(out).toMatch(/ids=agent,breakpoints,breakpoints_static,joke,parallel,slow,fails,chatty/);
    expect(code).toBe(0);
  });

  it("a LangGraph.js graph in the config: exit 2 naming the graph and the packages, before MongoDB starts", async () => {
    const { code, out } = await run(["src/main.ts"], {
      LOOM_CONFIG: path.join(ROOT, "test/api/loom.langgraphjs.json"),
      MONGOD_PATH: path.join(ROOT, "no-such-mongod"),
    });
    expect(code).toBe(2);
    expect(out).toMatch(/graph "lg_agent": cannot import .*agent\.ts/);
    expect(out).toMatch(/install @langchain\/langgraph@\^1\.4 and @langchain\/core@\^1\.2/);
    expect(out).not.toMatch(/MongoDB ready/);
  });

  it("the default loom.json: exit 2 naming its first LangGraph.js example graph", async () => {
    const { code, out } = await run(["src/main.ts"], { MONGOD_PATH: path.join(ROOT, "no-such-mongod") });
    expect(code).toBe(2);
    expect(out).toMatch(/graph "react_agent": cannot import .*react-agent\.ts/);
    expect(out).toMatch(/install @langchain\/langgraph@\^1\.4 and @langchain\/core@\^1\.2/);
  });
});
