/** Loom's version, read once from package.json. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./paths.js";

/** The `version` field of Loom's package.json, e.g. "0.1.0". */
export const LOOM_VERSION: string = (
  JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string }
).version;
