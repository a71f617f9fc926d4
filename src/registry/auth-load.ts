/**
 * Loads the `Auth` object named by `auth.path` in the graph config file, as `langgraph.json` names it:
 *
 * ```json
 * {"graphs": {...}, "auth": {"path": "./src/auth.ts:auth"}}
 * ```
 *
 * The path is `<module path relative to the config file>:<export>` (export defaults to `default`); the export must be
 * an `Auth` built with `@langchain/langgraph-sdk/auth` (docs/security.md "Custom auth"). A `.ts` module is imported
 * as a graph module is (`graphModuleFile`: its compiled twin when Loom runs compiled).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { GraphConfigError } from "./errors.js";
import { currentLayout, graphModuleFile, type LoomLayout } from "./load.js";

/** The part of the SDK's `Auth` object Loom reads: its handler cache, as the LangGraph.js server does. */
export interface AuthModule {
  "~handlerCache": {
    authenticate?: (request: Request) => unknown;
    callbacks?: Record<string, ((arg: Record<string, unknown>) => unknown) | undefined>;
  };
}

/** True for an object shaped like the SDK's `Auth`. */
export function isAuthModule(value: unknown): value is AuthModule {
  return typeof value === "object" && value !== null && "~handlerCache" in value;
}

const authSchema = z.object({
  auth: z.object({ path: z.string().min(1, "auth.path must be '<path>:<export>'") }).optional(),
});

/**
 * The `Auth` of `configPath`'s `auth.path`; `undefined` when the config names none.
 * @throws GraphConfigError when the file cannot be read or parsed, the module cannot be imported, or its export
 *   is not an `Auth`
 */
export async function loadAuthModule(
  configPath: string,
  layout: LoomLayout = currentLayout,
): Promise<AuthModule | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, "utf8"));
  } catch (error) {
    throw new GraphConfigError(`cannot read graph config ${configPath}: ${(error as Error).message}`);
  }
  const parsed = authSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new GraphConfigError(`graph config ${configPath} is invalid: ${issues}`);
  }
  const spec = parsed.data.auth?.path;
  if (spec === undefined) return undefined;
  const colon = spec.lastIndexOf(":");
  const file = colon > 1 ? spec.slice(0, colon) : spec;
  const exportName = colon > 1 ? spec.slice(colon + 1) : "default";
  const modulePath = path.resolve(path.dirname(configPath), file);
  const importPath = await graphModuleFile("auth", modulePath, layout);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(importPath).href)) as Record<string, unknown>;
  } catch (error) {
    throw new GraphConfigError(`auth: cannot import ${importPath}: ${(error as Error).message}`);
  }
  const value = mod[exportName];
  if (!isAuthModule(value)) {
    throw new GraphConfigError(
      `auth: ${modulePath}:${exportName} is not an Auth (build it with new Auth() from @langchain/langgraph-sdk/auth)`,
    );
  }
  return value;
}
