/**
 * Loom as child processes for the runtime tests: `node --import tsx src/main.ts` on the shared test `mongod`
 * (`MONGODB_URI`), a database named by the test (`LOOM_DB`), the graphs of `loom.runtime.json`, port 0. The URL
 * comes from the "Loom listening" log line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** A running Loom process. */
export interface LoomProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything it logged so far. */
  output(): string;
  /** Sends `signal` and resolves with the exit code once it exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts one process; `env` adds or overrides variables (e.g. `LOOM_LEASE_MS`); `fdLimit` starts it under
 * `ulimit -n <fdLimit>` (through bash, which then execs node, so the pid is node's).
 */
export async function startLoom(options: {
  mongoUri: string;
  dbName: string;
  env?: Record<string, string>;
  fdLimit?: number;
}): Promise<LoomProcess> {
  const env = {
    ...process.env,
    PORT: "0",
    MONGODB_URI: options.mongoUri,
    LOOM_DB: options.dbName,
    LOOM_CONFIG: path.join(ROOT, "test/runtime/loom.runtime.json"),
    LOG_LEVEL: "info",
    LOOM_POLL_MS: "200",
    ...options.env,
  };
  const args = ["--import", "tsx", "src/main.ts"];
  const child =
    options.fdLimit === undefined
      ? spawn(process.execPath, args, { cwd: ROOT, env })
      : spawn("bash", ["-c", `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...args], {
          cwd: ROOT,
          env,
        });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "Loom listening" line in: ${output}`)), 60_000);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"Loom listening"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${output}`));
    });
  });
  return {
    url,
    pid: child.pid as number,
    child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
