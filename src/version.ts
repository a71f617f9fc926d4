/** Loom's version, read once from package.json. */
import { readFileSync } from "node:fs";

/** The `version` field of Loom's package.json, e.g. "0.1.0". */
export const LOOM_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
