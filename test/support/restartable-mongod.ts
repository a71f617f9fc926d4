/**
 * A throwaway `mongod` in a child process (test/store/mongo-restart-child.ts) that a test can stop and start
 * again on the same data directory — a restart in the same process would hit mongodb-memory-server's per-process
 * port cache. The child prints `{"uri": ...}` once the replica set is primary.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

const CHILD = path.join(import.meta.dirname, "..", "store", "mongo-restart-child.ts");
const started = new Set<ChildProcess>();

/** Starts `mongod` on `dbPath` in a child process; resolves once it serves, with its URI. */
export async function startMongod(dbPath: string): Promise<{ uri: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dbPath], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "inherit"],
  });
  started.add(child);
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  for await (const line of lines) {
    if (line.startsWith("{")) return { uri: (JSON.parse(line) as { uri: string }).uri, child };
  }
  throw new Error("mongod child exited before printing its URI");
}

/** Stops a child started by {@link startMongod} (SIGTERM: the launcher stops its `mongod`); idempotent. */
export async function stopMongod(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Stops every child this test file started (for `afterAll`). */
export async function stopAllMongods(): Promise<void> {
  for (const child of started) await stopMongod(child);
  started.clear();
}
