/**
 * The process's open-file limit and the connection cap derived from it (docs/operations.md "Connection limits").
 * Node has no `getrlimit`: Linux publishes the limits in `/proc/self/limits`; elsewhere a child shell, which
 * inherits them, prints `ulimit -n`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Descriptors kept free for everything that is not a client connection: MongoDB's connection pool (the driver's
 * `maxPoolSize` is 100) and its monitoring sockets, the change stream, an embedded `mongod`'s pipes, log and
 * static files, the event loop's own descriptors.
 */
export const RESERVED_DESCRIPTORS = 160;

/**
 * The soft `RLIMIT_NOFILE` of this process (what `ulimit -n` prints).
 *
 * @returns the limit, or `undefined` when it is unlimited or cannot be read
 */
export function softFileLimit(): number | undefined {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const line = limits.split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    if (soft !== undefined) return /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    // Not Linux: ask a shell.
  }
  const out = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8", timeout: 2000 });
  const text = out.stdout?.trim() ?? "";
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * The default cap on open client connections: the descriptor limit less {@link RESERVED_DESCRIPTORS} or a tenth
 * of it, whichever is more, and at least 32. `ulimit -n 1024` gives 864.
 *
 * @param fdLimit the soft descriptor limit; `undefined` (unlimited, unknown) gives no cap (`Infinity`)
 */
export function connectionCap(fdLimit: number | undefined): number {
  if (fdLimit === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(32, fdLimit - Math.max(RESERVED_DESCRIPTORS, Math.ceil(fdLimit / 10)));
}
