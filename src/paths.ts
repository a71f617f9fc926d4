/**
 * Where Loom's files are. Loom runs either from its TypeScript sources (`src/`, under tsx with `npm run dev`, or
 * under vitest) or compiled by `npm run build` (`dist/src/`, plain `node` with `npm start`); every path that is
 * relative to the project goes through `projectRoot` so both layouts find the same `package.json`, `loom.json`,
 * `.data/` and `.tools/`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

const thisFile = fileURLToPath(import.meta.url);

/**
 * True when this process runs the JavaScript that `npm run build` emitted (this module is `dist/src/paths.js`);
 * false when it runs the TypeScript sources (`src/paths.ts` under tsx or vitest).
 */
export const runningCompiled: boolean = thisFile.endsWith(".js");

/**
 * Absolute path of the project root, the directory of `package.json` and `loom.json`: `..` of `src/`, or `../..`
 * of `dist/src/` when running compiled.
 */
export const projectRoot: string = path.resolve(path.dirname(thisFile), runningCompiled ? "../.." : "..");

/**
 * Absolute path of `npm run build`'s output, `<projectRoot>/dist`. It mirrors the project: `src/main.ts` →
 * `dist/src/main.js`, `src/graphs/agent.ts` → `dist/src/graphs/agent.js`, `gen/ts/…` → `dist/gen/ts/…`.
 */
export const buildDir: string = path.join(projectRoot, "dist");
