/**
 * Runs the polyglot client programs (Python, Go) as child processes and collects their output.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** The pinned venv that `scripts/generate-polyglot.sh --tools` creates. */
export const VENV_PYTHON = path.join(ROOT, ".tools", "venv", "bin", "python");

/** What a finished program printed and how it exited. */
export interface ProgramOutput {
  /** Exit code; null when the program was killed (e.g. by the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link runProgram}. */
export interface RunOptions {
  /** Working directory. Default: the repository root. */
  cwd?: string;
  /** Extra environment variables, on top of this process's. */
  env?: Record<string, string>;
  /** Kill the program after this long. Default 120 s. */
  timeoutMs?: number;
}

/** Runs `command args` to completion; never rejects for a non-zero exit (check `code`). */
export function runProgram(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProgramOutput> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd ?? ROOT,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a program and throws with its output unless it exits 0; returns stdout. */
export async function runOrThrow(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const out = await runProgram(command, args, options);
  if (out.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${out.code}\n${out.stdout}\n${out.stderr}`);
  }
  return out.stdout;
}

/** The JSON printed after `label: ` on the line that starts with it. */
export function jsonLine(stdout: string, label: string): unknown {
  const line = stdout.split("\n").find((l) => l.startsWith(`${label}: `));
  if (line === undefined) throw new Error(`no "${label}:" line in:\n${stdout}`);
  return JSON.parse(line.slice(label.length + 2));
}

/**
 * Checks what examples/python/hitl.py and examples/go print (same format): the interrupt, the final state, the
 * history (newest checkpoint first, finished) and the server stream's metadata and values events.
 */
export function expectHitlOutput(stdout: string): void {
  const interrupts = jsonLine(stdout, "interrupt") as { id: string; value: unknown }[];
  expect(interrupts.map((i) => i.value)).toEqual([{ text_to_revise: "original text" }]);
  expect(interrupts[0]?.id).toMatch(/^[0-9a-f]{32}$/);
  expect(jsonLine(stdout, "final")).toEqual({ some_text: "Edited text" });
  const history =
    /^history: (\d+) checkpoints, newest first\n {2}step (-?\d+) (\w+) next=\[\] values=(.*)$/m.exec(stdout);
  expect(history, stdout).not.toBeNull();
  expect(Number(history?.[1])).toBeGreaterThanOrEqual(3);
  expect(JSON.parse(history?.[4] ?? "null")).toEqual({ some_text: "Edited text" });
  expect(jsonLine(stdout, "stream metadata")).toMatchObject({ run_id: expect.any(String) });
  expect(jsonLine(stdout, "stream values")).toEqual({ some_text: "streamed text" });
}
