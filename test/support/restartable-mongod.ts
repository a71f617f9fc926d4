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

/** A `mongod` started by {@link startMongod}: its URI, the child that launched it and the `mongod` process id. */
export interface RestartableMongod {
  uri: string;
  child: ChildProcess;
  pid: number;
}

/** Starts `mongod` on `dbPath` in a child process; resolves once it serves, with its URI. */
export async function startMongod(dbPath: string): Promise<RestartableMongod> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dbPath], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "inherit"],
  });
  started.add(child);
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  for await (const line of lines) {
    if (line.startsWith("{")) {
      const { uri, pid } = JSON.parse(line) as { uri: string; pid: number };
      return { uri, pid, child };
    }
  }
  throw new Error("mongod child exited before printing its URI");
}

/** Stops a child started by {@link startMongod} (SIGTERM: the launcher stops its `mongod`); idempotent. */
export async function stopMongod(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/**
 * `kill -9` of the `mongod` (no clean shutdown: connections reset, the journal recovers on the next start), then of
 * its launcher child; resolves once both are gone. {@link startMongod} on the same `dbPath` starts it again.
 */
export async function killMongod(mongod: RestartableMongod): Promise<void> {
  process.kill(mongod.pid, "SIGKILL");
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(mongod.pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const { child } = mongod;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/** Stops every child this test file started (for `afterAll`). */
export async function stopAllMongods(): Promise<void> {
  for (const child of started) await stopMongod(child);
  started.clear();
}
