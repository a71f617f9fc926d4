/**
 * Decides which engine hosts a graph module's export, by what it is:
 * - a Loom `CompiledGraph` (`StateGraph.compile()` of `src/engine`) → Loom's engine (`src/host/loom-graph.ts`);
 * - a LangGraph.js `CompiledStateGraph` / `Pregel` (it carries `lg_is_pregel: true`) → the LangGraph.js adapter
 *   (`src/host/langgraphjs/`), imported only then, so hosting only Loom graphs needs neither `@langchain/langgraph`
 *   nor `@langchain/core`;
 * - a function (a factory, as `langgraph.json` allows): called with `{configurable: {}}` and awaited, its result
 *   decided as above.
 */
import type { HostedGraph } from "../host/hosted-graph.js";
import { hostLoomGraph, isLoomGraph } from "../host/loom-graph.js";
import { GraphConfigError } from "./errors.js";

/** The peer packages a LangGraph.js graph needs, with the ranges Loom accepts (package.json `peerDependencies`). */
export const LANGGRAPHJS_PACKAGES = "@langchain/langgraph@^1.4 and @langchain/core@^1.2";

/** Whether `value` is a LangGraph.js Pregel graph (a `CompiledStateGraph` is one), judged without importing it. */
export function isLangGraphJsGraph(value: unknown): value is object {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as { lg_is_pregel?: unknown }).lg_is_pregel === true &&
    typeof (value as { stream?: unknown }).stream === "function"
  );
}

/**
 * `" — install …"` when `error` is a failed import of one of the LangChain packages (`ERR_MODULE_NOT_FOUND` /
 * `MODULE_NOT_FOUND` naming `@langchain/…`), else `""`; appended to the message of a failed graph import.
 */
export function missingPackageHint(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && message.includes("@langchain/")) {
    return ` — this is a LangGraph.js graph: install ${LANGGRAPHJS_PACKAGES} (npm install @langchain/langgraph @langchain/core)`;
  }
  return "";
}

async function hostLangGraphJs(graphId: string, graph: object): Promise<HostedGraph> {
  let adapter: typeof import("../host/langgraphjs/host.js");
  try {
    adapter = await import("../host/langgraphjs/host.js");
  } catch (error) {
    throw new GraphConfigError(
      `graph "${graphId}" is a LangGraph.js graph, but its adapter cannot be loaded: ${(error as Error).message}` +
        (missingPackageHint(error) || ` — install ${LANGGRAPHJS_PACKAGES}`),
    );
  }
  return adapter.hostLangGraphJs(graphId, graph);
}

/**
 * The hosted graph for `value`, the export `where` (`<module>:<export>`) of graph `graphId`.
 * @throws GraphConfigError naming the graph and the export when it is neither kind (nor a factory returning one),
 *   when a factory throws, or when the LangGraph.js packages are missing.
 */
export async function hostExport(graphId: string, where: string, value: unknown): Promise<HostedGraph> {
  let graph = value;
  if (typeof graph === "function") {
    try {
      graph = await (graph as (config: unknown) => unknown)({ configurable: {} });
    } catch (error) {
      throw new GraphConfigError(
        `graph "${graphId}": the factory ${where} threw: ${(error as Error).message}`,
      );
    }
  }
  if (isLoomGraph(graph)) return hostLoomGraph(graph);
  if (isLangGraphJsGraph(graph)) return hostLangGraphJs(graphId, graph);
  const what = graph === undefined ? "no such export" : `a ${graph === null ? "null" : typeof graph}`;
  throw new GraphConfigError(
    `graph "${graphId}": ${where} is not a compiled graph (${what}). Export a Loom graph (StateGraph.compile() of ` +
      "Loom's engine), a LangGraph.js CompiledStateGraph/Pregel (.compile() of @langchain/langgraph), or a function " +
      "returning one",
  );
}
