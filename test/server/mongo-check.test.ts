/**
 * Start-up against a MongoDB that cannot serve Loom: a real standalone `mongod` (no `--replSet`, so no
 * transactions or change streams). The server stops before listening with exit code 3 and one line saying what
 * is needed, no stack trace, and without touching the database (no index, no assistant written).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { wheelBinaryPath } from "../../src/mongod/find-binary.js";
import { versionAtLeast } from "../../src/store/mongo/server-check.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
let mongod: ChildProcess | undefined;
let dbPath = "";
let uri = "";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  dbPath = await mkdtemp(path.join(os.tmpdir(), "loom-standalone-"));
  const port = await freePort();
  mongod = spawn(
    wheelBinaryPath(ROOT),
    ["--dbpath", dbPath, "--bind_ip", "127.0.0.1", "--port", String(port), "--quiet"],
    { stdio: "ignore" },
  );
  uri = `mongodb://127.0.0.1:${port}/`;
  const since = Date.now();
  for (;;) {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500 });
    try {
      await client.db("admin").command({ ping: 1 });
      break;
    } catch (error) {
      if (Date.now() - since > 30_000) throw error;
    } finally {
      await client.close();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
});

afterAll(async () => {
  if (mongod && mongod.exitCode === null) {
    const exited = new Promise((resolve) => mongod?.once("exit", resolve));
    mongod.kill("SIGTERM");
    await exited;
  }
  await rm(dbPath, { recursive: true, force: true });
});

it("a standalone mongod stops the server at start-up: exit 3, what is needed, no stack trace", async () => {
  const dbName = "loom_standalone_check";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", MONGODB_URI: uri, LOOM_DB: dbName, LOG_LEVEL: "info" },
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  expect(code, output).toBe(3);
  expect(output).toContain("loom: MongoDB must run as a replica set");
  expect(output).toContain("--replSet rs0");
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toContain("Loom listening");
  const client = await MongoClient.connect(uri, { directConnection: true });
  try {
    const names = await client.db(dbName).listCollections().toArray();
    expect(names).toEqual([]);
  } finally {
    await client.close();
  }
});

it("compares server versions numerically against the supported minimum", () => {
  expect(versionAtLeast("6.0.5", "4.4")).toBe(true);
  expect(versionAtLeast("4.4.0", "4.4")).toBe(true);
  expect(versionAtLeast("4.2.25", "4.4")).toBe(false);
  expect(versionAtLeast("10.0.0-rc1", "4.4")).toBe(true);
  expect(versionAtLeast("4.10", "4.4")).toBe(true);
});
