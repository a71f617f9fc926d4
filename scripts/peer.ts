/**
 * The LangGraph.js dev server of `bench/peer` (`@langchain/langgraph-api` with in-memory storage, serving the
 * LangGraph.js twins of Loom's example graphs): its install and its start, shared by `npm run bench:runs` and the
 * tests that compare Loom's answers with the dev server's (`test/api/peer-parity.test.ts`).
 *
 * `bench/peer` is a package of its own (it pins `@langchain/langgraph-api`, which Loom does not depend on):
 * `ensurePeerInstalled` runs `npm ci --prefix bench/peer` on first use.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Absolute path of `bench/peer`. */
export const peerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "bench", "peer");

/**
 * Installs `bench/peer` (`npm ci --prefix bench/peer`, up to 5 min) unless `@langchain/langgraph-api` is there.
 * @throws Error with npm's first error lines when the install fails.
 */
export function ensurePeerInstalled(log: (line: string) => void = () => {}): void {
  const apiPkg = path.join(peerDir, "node_modules", "@langchain", "langgraph-api", "package.json");
  if (existsSync(apiPkg)) return;
  log("bench/peer is not installed: running `npm ci --prefix bench/peer` ...");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["ci", "--prefix", peerDir, "--no-audit", "--no-fund"], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (result.status !== 0 || !existsSync(apiPkg)) {
    const lines = `${result.stdout ?? ""}\n${result.stderr ?? ""}`.split("\n").filter((l) => l.trim() !== "");
    const errors = lines.filter((l) => l.startsWith("npm error"));
    const tail = (errors.length > 0 ? errors.slice(0, 4) : lines.slice(-4)).join(" | ");
    throw new Error(
      `npm ci --prefix bench/peer failed (${result.error?.message ?? `exit ${result.status}`}): ${tail}`,
    );
  }
}

/** The versions of the LangGraph.js packages `bench/peer` installed, e.g. `{"@langchain/langgraph-api": "2.0.0"}`. */
export function peerVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [
    "@langchain/langgraph-api",
    "@langchain/langgraph",
    "@langchain/core",
    "@langchain/langgraph-sdk",
  ]) {
    const file = path.join(peerDir, "node_modules", ...name.split("/"), "package.json");
    if (existsSync(file)) out[name] = (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  }
  return out;
}

/** A free loopback TCP port (bound and released; the dev server cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** How to start the dev server: the node arguments, working directory and environment of its process. */
export interface PeerCommand {
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Its "listening" line: `peer listening on <host:port>`. */
  ready: RegExp;
}

/**
 * The command that starts the dev server on `port` with `nWorkers` workers (the CLI's `--n-jobs-per-worker`
 * default is 10), as `langgraphjs dev` starts it: tsx plus the API's preload, then `bench/peer/server.mjs`;
 * the graphs are `bench/peer/langgraph.json`'s. `LOG_LEVEL=error`, `NODE_ENV=development`.
 */
export function peerCommand(port: number, nWorkers = 10): PeerCommand {
  const graphs = (
    JSON.parse(readFileSync(path.join(peerDir, "langgraph.json"), "utf8")) as {
      graphs: Record<string, string>;
    }
  ).graphs;
  const options = { port, nWorkers, host: "127.0.0.1", cwd: peerDir, graphs };
  const preload = pathToFileURL(
    path.join(peerDir, "node_modules", "@langchain", "langgraph-api", "dist", "preload.mjs"),
  ).href;
  return {
    args: ["--import", "tsx", "--import", preload, "server.mjs", JSON.stringify(options)],
    cwd: peerDir,
    env: { ...process.env, LOG_LEVEL: "error", NODE_ENV: "development" },
    ready: /peer listening on (\S+)/,
  };
}

/** A running dev server. */
export interface Peer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM (SIGKILL after 5 s), then removes the `.langgraph_api` folder it may have left. */
  stop(): Promise<void>;
}

/**
 * Installs (`ensurePeerInstalled`) and starts the dev server on a free port; resolves once it printed its
 * listening line (up to `timeoutMs`, default 120 s: the first start compiles the graphs).
 * @throws Error with the process's output when it exits or does not get ready in time.
 */
export async function startPeer(options: { nWorkers?: number; timeoutMs?: number } = {}): Promise<Peer> {
  ensurePeerInstalled();
  await rm(path.join(peerDir, ".langgraph_api"), { recursive: true, force: true });
  const cmd = peerCommand(await freePort(), options.nWorkers ?? 10);
  const child = spawn(process.execPath, cmd.args, {
    cwd: cmd.cwd,
    env: cmd.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const host = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dev server not ready after ${options.timeoutMs ?? 120_000} ms: ${output}`)),
      options.timeoutMs ?? 120_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = cmd.ready.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`dev server exited: ${output}`));
    });
  });
  return {
    url: `http://${host}`,
    pid: child.pid as number,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(killer);
      }
      await rm(path.join(peerDir, ".langgraph_api"), { recursive: true, force: true });
    },
  };
}
