import { execFileSync, spawn } from "node:child_process";
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((s) => Number.parseInt(s, 10))
      .filter((n) => Number.isInteger(n));
  } catch {
    return [];
  }
}

function descendantPids(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendantPids(child)]);
}

function commandLine(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm start` in a process group of its own (as a terminal runs it), until its "Loom listening" line. */
async function startInOwnGroup(extraEnv: Record<string, string>) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "loom-start-"));
  const env = {
    ...process.env,
    PORT: "0",
    LOOM_DATA_DIR: dataDir,
    LOG_LEVEL: "info",
    MONGODB_URI: "",
    ...extraEnv,
  };
  const child = spawn("npm", ["start"], { cwd: ROOT, env, detached: true });
  const state = { output: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    state.output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    state.output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, at: Date.now() })),
  );
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start: ${state.output}`);
    url = /"url":"(http:\/\/[^"]+)".*"msg":"Loom listening"/.exec(state.output)?.[1];
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid as number;
  return {
    url,
    state,
    exited,
    descendants: () => descendantPids(pid),
    running: () => child.exitCode === null && child.signalCode === null,
    /** What a terminal's Ctrl-C does: SIGINT to every process of the group. */
    ctrlC: () => process.kill(-pid, "SIGINT"),
    async cleanup() {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** POSTs `body` as JSON to `url + route`. */
function post(url: string, route: string, body: unknown): Promise<Response> {
  return fetch(url + route, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Starts a `slow` run of `ms` on a new thread with `runs/wait`; resolves once it is running. */
async function startSlowWait(url: string, ms: number) {
  const thread = (await (await post(url, "/threads", {})).json()) as { thread_id: string };
  const wait = post(url, `/threads/${thread.thread_id}/runs/wait`, {
    assistant_id: "slow",
    input: { ms },
  }).then(async (res) => ({ status: res.status, text: await res.text() }));
  for (;;) {
    const runs = (await (await fetch(`${url}/threads/${thread.thread_id}/runs`)).json()) as Array<{
      status: string;
    }>;
    if (runs[0]?.status === "running") return { wait };
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function allGone(pids: number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive);
}

const TEST_GRAPHS = "test/server/fixtures/loom.slow.json";

describe("Ctrl-C of npm start in a terminal (SIGINT to the whole process group), with the embedded mongod", () => {
  it("during a run: exits 0 within LOOM_SHUTDOWN_TIMEOUT_MS plus a few seconds; the waiter gets a whole 503", async () => {
    const loom = await startInOwnGroup({ LOOM_CONFIG: TEST_GRAPHS, LOOM_SHUTDOWN_TIMEOUT_MS: "1000" });
    try {
      const { wait } = await startSlowWait(loom.url, 3000);
      const descendants = loom.descendants();
      expect(descendants.map(commandLine)).toContainEqual(expect.stringContaining("mongod"));
      const signalled = Date.now();
      loom.ctrlC();
      const answer = await wait;
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text).detail).toMatch(/shutting down/);
      const exit = await loom.exited;
      expect(exit.code).toBe(0);
      expect(exit.at - signalled).toBeLessThan(1000 + 5000);
      expect(await allGone(descendants, 10_000)).toEqual([]);
      // One line per phase, and no stack trace (mongod was not stopped under the drain).
      expect(loom.state.output).toMatch(/shutting down: draining/);
      expect(loom.state.output).toMatch(/"msg":"stopped"/);
      expect(loom.state.output).not.toMatch(/MongoServerSelectionError|MongoNetworkError|\n\s+at /);
    } finally {
      await loom.cleanup();
    }
  });

  it("a second Ctrl-C exits at once, leaving no process behind", async () => {
    const loom = await startInOwnGroup({ LOOM_CONFIG: TEST_GRAPHS, LOOM_SHUTDOWN_TIMEOUT_MS: "60000" });
    try {
      const { wait } = await startSlowWait(loom.url, 30_000);
      void wait.catch(() => undefined);
      const descendants = loom.descendants();
      loom.ctrlC();
      await new Promise((r) => setTimeout(r, 500));
      // Still draining: the run has 60 s to end.
      expect(loom.running()).toBe(true);
      const second = Date.now();
      loom.ctrlC();
      const exit = await loom.exited;
      expect(exit.at - second).toBeLessThan(3000);
      expect(loom.state.output).toMatch(/second signal: exiting now/);
      expect(await allGone(descendants, 10_000)).toEqual([]);
    } finally {
      await loom.cleanup();
    }
  });
});

describe("the start command (npm start: npm run build, then node dist/src/main.js)", () => {
  it("builds, starts its own mongod, serves GET /ok, and leaves no process behind on SIGINT", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "loom-start-"));
    // No MONGODB_URI: the server must start a mongod of its own.
    const env = { ...process.env, PORT: "0", LOOM_DATA_DIR: dataDir, LOG_LEVEL: "info", MONGODB_URI: "" };
    // The README's command, build included; npm forwards SIGINT to the server (the script execs node).
    const started = Date.now();
    const child = spawn("npm", ["start"], { cwd: ROOT, env });
    try {
      let output = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "Loom listening" line in: ${output}`)), 60_000);
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          const match = /"url":"(http:\/\/[^"]+)".*"msg":"Loom listening"/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.stderr.on("data", (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      expect(output).toMatch(/"msg":"MongoDB ready"/);
      // It built before it started: a stale dist/ is never what runs (1 s of slack for coarse file times).
      expect(statSync(path.join(ROOT, "dist/src/main.js")).mtimeMs).toBeGreaterThan(started - 1000);
      const res = await fetch(`${url}/ok`);
      expect(await res.json()).toEqual({ ok: true });
      // The default loom.json's LangGraph.js examples load from their compiled twins under dist/examples/.
      const thread = (await (await post(url, "/threads", {})).json()) as { thread_id: string };
      const answer = (await (
        await post(url, `/threads/${thread.thread_id}/runs/wait`, {
          assistant_id: "react_agent",
          input: { messages: [{ type: "human", content: "What is the weather in Tokyo?" }] },
        })
      ).json()) as { messages: Array<{ type: string; content: string }> };
      expect(answer.messages.at(-1)).toMatchObject({
        type: "ai",
        content: "It is rainy and 18 °C in Tokyo.",
      });

      const descendants = descendantPids(child.pid as number);
      const commands = descendants.map(commandLine);
      // The server is the compiled JavaScript under plain node (no tsx loader), with its mongod (and watchdog).
      expect(commands).toContainEqual(expect.stringMatching(/node dist\/src\/main\.js$/));
      expect(commands.filter((c) => c.includes("tsx"))).toEqual([]);
      expect(commands).toContainEqual(expect.stringContaining("mongod"));
      const exitCode = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      expect(await exitCode).toBe(0);
      // Children end as their pipes close: poll, don't sleep a guess.
      const deadline = Date.now() + 10_000;
      while (descendants.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(descendants.filter(alive)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("Ctrl-C in a real terminal (a pseudo-terminal from script(1)), with the embedded mongod", () => {
  it("the terminal's ^C reaches the foreground group: exit 0, no stack trace, mongod and every child gone", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "loom-pty-"));
    const env = {
      ...process.env,
      PORT: "0",
      LOOM_DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      MONGODB_URI: "",
      LOOM_CONFIG: "test/runtime/loom.runtime.json",
    };
    // script runs the server on a new pseudo-terminal (its controlling terminal, in the foreground group) and
    // copies our stdin to it: the ETX byte below is what typing Ctrl-C sends, and the terminal's line discipline
    // turns it into SIGINT for the whole foreground group. `-e` exits with the server's code.
    const child = spawn("script", ["-qfec", "exec node --import tsx src/main.ts", "/dev/null"], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      let url: string | undefined;
      while (!url) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start: ${output}`);
        url = /"url":"(http:\/\/[^"]+)".*"msg":"Loom listening"/.exec(output)?.[1];
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await (await fetch(`${url}/ok`)).json()).toEqual({ ok: true });
      const descendants = descendantPids(child.pid as number);
      const mongods = descendants.filter((pid) => /\bmongod\b/.test(commandLine(pid)));
      expect(mongods.length).toBeGreaterThan(0);
      child.stdin.write("\x03");
      expect(await exited).toBe(0);
      expect(output).toMatch(/shutting down: draining/);
      expect(output).toMatch(/"msg":"stopped"/);
      expect(output).not.toMatch(/MongoServerSelectionError|MongoNetworkError|\n\s+at /);
      expect(await allGone(descendants, 10_000)).toEqual([]);
    } finally {
      child.stdin.end();
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {
        // already gone
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
