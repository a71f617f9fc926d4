/**
 * Builds the thread explorer (`ui/`) with esbuild into a directory: `main.js` (one ES module with its
 * libraries), `main.css`, their source maps, and `index.html`. `npm run build` runs it into `dist/ui/` (so
 * `npm start` serves a fresh copy); `npm run build:ui` runs it alone; tests and `bench:ui` import
 * {@link buildExplorer}. Throws (exit 1 from the command line) on a build error.
 */
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** `npm run build`'s output directory of the explorer, `<project>/dist/ui`. */
export const explorerBuildDir = path.join(root, "dist", "ui");

/** Bundles `ui/src/main.ts` and copies `ui/index.html` into `outdir` (created when missing). */
export async function buildExplorer(outdir: string = explorerBuildDir): Promise<void> {
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [path.join(root, "ui", "src", "main.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    outdir,
    logLevel: "warning",
  });
  await copyFile(path.join(root, "ui", "index.html"), path.join(outdir, "index.html"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildExplorer(process.argv[2] ? path.resolve(process.argv[2]) : explorerBuildDir);
}
