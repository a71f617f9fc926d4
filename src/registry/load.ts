/**
 * Loads the graph config file (`loom.json`, path from `LOOM_CONFIG`), in the spirit of `langgraph.json`:
 *
 * ```json
 * {"graphs": {"agent": "./src/graphs/agent.ts:graph", "joke": "./src/graphs/joke.ts:graph"}}
 * ```
 *
 * Each value is `<module path relative to the config file>:<export name>` (export defaults to `graph`); the
 * export is a compiled graph of Loom's engine or of LangGraph.js, or a factory returning one (`./host-export.ts`). Which file is imported depends on how Loom runs (see
 * `graphModuleFile`): from source (tsx, vitest) a `.ts` module is imported as is; compiled (`npm start`, from
 * `dist/`) its compiled twin under `dist/` is, so the graph and Loom share one copy of the engine.
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import type { HostedGraph } from "../host/hosted-graph.js";
import { buildDir, projectRoot, runningCompiled } from "../paths.js";
import { GraphConfigError } from "./errors.js";
import { hostExport, missingPackageHint } from "./host-export.js";
import { createGraphRegistry, type GraphRegistry } from "./registry.js";

export { GraphConfigError };

const GRAPH_ID = /^[A-Za-z0-9_-]{1,64}$/;

const configSchema = z.object({
  graphs: z.record(
    z.string().regex(GRAPH_ID, "graph ids are 1-64 letters, digits, _ or -"),
    z.string().min(1, "graph spec must be '<path>:<export>'"),
  ),
});

/** How this Loom process runs, which decides the file a graph module is imported from (`graphModuleFile`). */
export interface LoomLayout {
  /** True when Loom runs the JavaScript of `npm run build` (`dist/src/main.js`), false from its `.ts` sources. */
  compiled: boolean;
  /** Absolute path of the project root (the directory of `package.json`). */
  projectRoot: string;
  /** Absolute path of the build output mirroring the project, normally `<projectRoot>/dist`. */
  buildDir: string;
}

/** The layout of this process (from `src/paths.ts`); the default of `loadGraphRegistry` and `graphModuleFile`. */
export const currentLayout: LoomLayout = { compiled: runningCompiled, projectRoot, buildDir };

const TS_TO_JS: Record<string, string> = { ".ts": ".js", ".mts": ".mjs", ".cts": ".cjs" };

/**
 * The compiled twin `npm run build` emits for a TypeScript module: `<projectRoot>/src/graphs/agent.ts` →
 * `<buildDir>/src/graphs/agent.js` (`.mts` → `.mjs`, `.cts` → `.cjs`). Pure: does not look at the disk, so the
 * twin may not exist (the build compiles `src/`, `gen/ts/` and `examples/langgraphjs/` only).
 * @returns the twin's absolute path; `null` when `modulePath` is not `.ts`/`.mts`/`.cts` or lies outside
 *   `projectRoot`.
 */
export function compiledTwin(
  modulePath: string,
  layout: Pick<LoomLayout, "projectRoot" | "buildDir">,
): string | null {
  const ext = path.extname(modulePath);
  const jsExt = TS_TO_JS[ext];
  if (jsExt === undefined) return null;
  const relative = path.relative(layout.projectRoot, modulePath);
  const outside = relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (relative === "" || outside) return null;
  return path.join(layout.buildDir, relative.slice(0, -ext.length) + jsExt);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The file to import for the graph module `modulePath` (absolute) of graph `graphId`:
 * - Loom runs from source (`layout.compiled` false: tsx, vitest): `modulePath` itself, `.ts` included.
 * - Loom runs compiled and `modulePath` is `.ts`/`.mts`/`.cts`: its compiled twin (`compiledTwin`). Importing the
 *   `.ts` itself is not an option: it would need a TypeScript loader and would load a second copy of the engine.
 * - Anything else (`.js`, `.mjs`, `.cjs`): `modulePath` itself.
 * @throws GraphConfigError (compiled only) when the TypeScript module does not exist, or has no compiled twin
 *   (outside the project, outside what the build compiles, or not built yet); the message names the graph and the module and says
 *   what to do: put the module under `src/` so `npm run build` compiles it, or run from source with `npm run dev`.
 */
export async function graphModuleFile(
  graphId: string,
  modulePath: string,
  layout: LoomLayout = currentLayout,
): Promise<string> {
  if (!layout.compiled || TS_TO_JS[path.extname(modulePath)] === undefined) return modulePath;
  if (!(await exists(modulePath))) {
    throw new GraphConfigError(`graph "${graphId}": cannot import ${modulePath}: no such file`);
  }
  const twin = compiledTwin(modulePath, layout);
  if (twin !== null && (await exists(twin))) return twin;
  const reason =
    twin === null
      ? `it is outside the project ${layout.projectRoot}, so \`npm run build\` does not compile it`
      : `its compiled twin ${twin} does not exist`;
  throw new GraphConfigError(
    `graph "${graphId}": cannot load the TypeScript module ${modulePath}: ${reason}. Compiled Loom (npm start) ` +
      "imports a .ts graph from the JavaScript `npm run build` emits into dist/, and the build compiles src/ and " +
      "examples/langgraphjs/ only: put the module under src/ (e.g. src/graphs/) and build (`npm start` does), or " +
      "run Loom from source " +
      "with `npm run dev`",
  );
}

/**
 * Reads `configPath` and imports every graph; `layout` (default: this process's) decides whether a `.ts` module
 * is imported as is or through its compiled twin (`graphModuleFile`).
 * @throws GraphConfigError naming the file, the graph id and what is wrong.
 */
export async function loadGraphRegistry(
  configPath: string,
  layout: LoomLayout = currentLayout,
): Promise<GraphRegistry> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (error) {
    throw new GraphConfigError(`cannot read graph config ${configPath}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new GraphConfigError(`graph config ${configPath} is not JSON: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new GraphConfigError(`graph config ${configPath} is invalid: ${issues}`);
  }
  const graphs = new Map<string, HostedGraph>();
  for (const [graphId, spec] of Object.entries(parsed.data.graphs)) {
    const colon = spec.lastIndexOf(":");
    const file = colon > 1 ? spec.slice(0, colon) : spec;
    const exportName = colon > 1 ? spec.slice(colon + 1) : "graph";
    const modulePath = path.resolve(path.dirname(configPath), file);
    const importPath = await graphModuleFile(graphId, modulePath, layout);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(importPath).href)) as Record<string, unknown>;
    } catch (error) {
      throw new GraphConfigError(
        `graph "${graphId}": cannot import ${importPath}: ${(error as Error).message}${missingPackageHint(error)}`,
      );
    }
    graphs.set(graphId, await hostExport(graphId, `${modulePath}:${exportName}`, mod[exportName]));
  }
  return createGraphRegistry(graphs);
}
