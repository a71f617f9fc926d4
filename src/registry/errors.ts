/** Errors of loading the graph config. */

/**
 * The config file is missing, not JSON, malformed, or names a module/export that cannot be loaded or is no graph;
 * the message names the graph and what to do (`src/main.ts` exits with code 2).
 */
export class GraphConfigError extends Error {
  override readonly name = "GraphConfigError";
}
