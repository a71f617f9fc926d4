/**
 * Installs the embedded `mongod` ahead of the tests (CI, first run): the same lookup as the launcher, without
 * starting anything. Prints what it found. Exits 0 when `MONGODB_URI` is set (nothing to install).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findMongod, mongodVersion } from "../src/mongod/find-binary.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (process.env.MONGODB_URI) {
  process.stdout.write("MONGODB_URI is set: no mongod needed\n");
} else {
  const { found, tried } = await findMongod({
    toolsRoot: root,
    ...(process.env.MONGOD_PATH ? { mongodPath: process.env.MONGOD_PATH } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
    log: (m) => process.stdout.write(`${m}\n`),
  });
  if (!found) {
    process.stderr.write(`no mongod found; tried: ${tried.join("; ")}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `mongod ${await mongodVersion(found.binaryPath)} (${found.source}: ${found.binaryPath})\n`,
  );
}
