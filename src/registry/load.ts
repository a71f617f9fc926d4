/**
 * Loads the graph config file (`loom.json`, path from `LOOM_CONFIG`), in the spirit of `langgraph.json`:
 *
 * ```json
 * {"graphs": {"agent": "./src/graphs/agent.ts:graph", "joke": "./src/graphs/joke.ts:graph"}}
 * ```
 *
 * Each value is `<module path relative to the config file>:<export name>` (export defaults to `graph`); the
 * export must be a compiled graph (`StateGraph.compile()`). `.ts` modules load under `node --import tsx`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import type { CompiledGraph } from "../engine/index.js";
import { createGraphRegistry, type GraphRegistry } from "./registry.js";

/** The config file is missing, not JSON, malformed, or names a module/export that cannot be loaded. */
export class GraphConfigError extends Error {
  override readonly name = "GraphConfigError";
}

const GRAPH_ID = /^[A-Za-z0-9_-]{1,64}$/;

const configSchema = z.object({
  graphs: z.record(
    z.string().regex(GRAPH_ID, "graph ids are 1-64 letters, digits, _ or -"),
    z.string().min(1, "graph spec must be '<path>:<export>'"),
  ),
});

function isCompiledGraph(value: unknown): value is CompiledGraph {
  if (value === null || typeof value !== "object") return false;
  const g = value as Partial<CompiledGraph>;
  return g.nodes instanceof Map && g.channels instanceof Map && Array.isArray(g.stateKeys);
}

/**
 * Reads `configPath` and imports every graph.
 * @throws GraphConfigError naming the file, the graph id and what is wrong.
 */
export async function loadGraphRegistry(configPath: string): Promise<GraphRegistry> {
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
  const graphs = new Map<string, CompiledGraph>();
  for (const [graphId, spec] of Object.entries(parsed.data.graphs)) {
    const colon = spec.lastIndexOf(":");
    const file = colon > 1 ? spec.slice(0, colon) : spec;
    const exportName = colon > 1 ? spec.slice(colon + 1) : "graph";
    const modulePath = path.resolve(path.dirname(configPath), file);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
    } catch (error) {
      throw new GraphConfigError(
        `graph "${graphId}": cannot import ${modulePath}: ${(error as Error).message}`,
      );
    }
    const graph = mod[exportName];
    if (!isCompiledGraph(graph)) {
      throw new GraphConfigError(
        `graph "${graphId}": ${modulePath} has no compiled graph export "${exportName}" (call .compile())`,
      );
    }
    graphs.set(graphId, graph);
  }
  return createGraphRegistry(graphs);
}
