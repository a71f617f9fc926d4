/**
 * Child process for the restart test: starts a mongod on the data directory given as argv[2] (the launcher keeps
 * the port beside the data, so a restart comes back on the same address), prints `{"uri": …, "pid": <mongod's pid>}` on one line, and
 * stops it cleanly on SIGTERM. A process per start because mongodb-memory-server caches ports per process.
 */
import { launchMongo } from "../../src/mongod/launcher.js";

const dbPath = process.argv[2];
if (!dbPath) throw new Error("usage: mongo-restart-child.ts <dbPath>");
const mongo = await launchMongo({
  toolsRoot: process.cwd(),
  dbPath,
  ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
});
process.stdout.write(`${JSON.stringify({ uri: mongo.uri, pid: mongo.pid })}\n`);
const keepAlive = setInterval(() => {}, 1 << 30);
process.once("SIGTERM", () => {
  void mongo.stop().finally(() => {
    clearInterval(keepAlive);
    process.exit(0);
  });
});
