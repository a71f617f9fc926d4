/**
 * A three-member MongoDB replica set for failover tests and benchmarks: three `mongod`s from the binary the
 * launcher finds (src/mongod/find-binary.ts), each on its own 127.0.0.1 port and data directory, initiated as one
 * set `rs0` in which member 0 has priority 2 (the preferred primary) and members 1 and 2 priority 1. Elections are
 * tuned for tests (heartbeats every 500 ms, electionTimeoutMillis 2000) but nothing asserts their duration: every
 * wait polls. A member can be stepped down, killed with SIGKILL by its PID and restarted on the same port and data.
 * Only the processes this module started are ever signalled.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MongoClient, MongoNetworkError } from "mongodb";
import { findMongod } from "../../src/mongod/find-binary.js";
import { freePort } from "../../src/mongod/persistent-port.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SET_NAME = "rs0";

/** One member: its index in the set config, address, data directory and the live process (none while killed). */
export interface ReplicaSetMember {
  index: number;
  port: number;
  /** `127.0.0.1:<port>`, as in the set's config. */
  host: string;
  dbPath: string;
  child?: ChildProcess;
  pid?: number;
}

/** A running three-member set. */
export interface TestReplicaSet {
  /** `mongodb://<all three hosts>/?replicaSet=rs0`. */
  uri: string;
  members: ReplicaSetMember[];
  /** Index of the member that is writable primary now, polling up to `timeoutMs` (default 60 s) for one. */
  waitForPrimary(options?: { not?: number; timeoutMs?: number }): Promise<number>;
  /**
   * `replSetStepDown` of the current primary (it may not stand again for `stepDownSecs`, default 10); resolves
   * with the old primary's index once another member is primary.
   */
  stepDown(stepDownSecs?: number): Promise<{ from: number; to: number }>;
  /** `kill -9` of member `index` by PID; resolves once the process exited. */
  kill(index: number): Promise<void>;
  /** Starts member `index` again on its port and data directory; resolves once it answers `hello`. */
  restart(index: number): Promise<void>;
  /** Resolves once every member is PRIMARY or SECONDARY (e.g. a restarted member caught up). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every member this set started (SIGKILL by PID) and removes the data directories. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `hello` of one member over a direct connection, or `undefined` when it does not answer. */
async function hello(host: string): Promise<Record<string, unknown> | undefined> {
  const client = new MongoClient(`mongodb://${host}/?directConnection=true`, {
    serverSelectionTimeoutMS: 1000,
    connectTimeoutMS: 1000,
  });
  try {
    await client.connect();
    return await client.db("admin").command({ hello: 1 });
  } catch {
    return undefined;
  } finally {
    await client.close().catch(() => undefined);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts three `mongod`s and initiates them as one replica set; resolves once one member is primary (member 0, the
 * one initiated, as a rule) and the other two are secondaries.
 *
 * @throws Error when no `mongod` binary is found, or the set does not come up within a minute
 */
export async function startReplicaSet(): Promise<TestReplicaSet> {
  const { found, tried } = await findMongod({
    toolsRoot: ROOT,
    ...(process.env.MONGOD_PATH ? { mongodPath: process.env.MONGOD_PATH } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
  });
  if (!found) throw new Error(`no mongod binary: ${tried.join("; ")}`);
  const binary = found.binaryPath;
  const dir = await mkdtemp(path.join(os.tmpdir(), "loom-replset-"));
  const members: ReplicaSetMember[] = [];
  for (let index = 0; index < 3; index++) {
    const port = await freePort();
    const dbPath = path.join(dir, `m${index}`);
    await mkdir(dbPath, { recursive: true });
    members.push({ index, port, host: `127.0.0.1:${port}`, dbPath });
  }

  const launch = async (m: ReplicaSetMember) => {
    const child = spawn(
      binary,
      [
        "--replSet",
        SET_NAME,
        "--dbpath",
        m.dbPath,
        "--bind_ip",
        "127.0.0.1",
        "--port",
        String(m.port),
        "--oplogSize",
        "64",
        "--wiredTigerCacheSizeGB",
        "0.25",
        "--logpath",
        path.join(m.dbPath, "mongod.log"),
        "--logappend",
      ],
      { stdio: "ignore" },
    );
    m.child = child;
    m.pid = child.pid;
    const deadline = Date.now() + 60_000;
    while (!(await hello(m.host))) {
      if (child.exitCode !== null) throw new Error(`mongod ${m.host} exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`mongod ${m.host} did not answer within 60 s`);
      await sleep(100);
    }
  };
  await Promise.all(members.map(launch));

  const admin = async <T>(host: string, fn: (client: MongoClient) => Promise<T>): Promise<T> => {
    const client = await MongoClient.connect(`mongodb://${host}/?directConnection=true`, {
      serverSelectionTimeoutMS: 5000,
    });
    try {
      return await fn(client);
    } finally {
      await client.close().catch(() => undefined);
    }
  };

  await admin(members[0]?.host as string, (c) =>
    c.db("admin").command({
      replSetInitiate: {
        _id: SET_NAME,
        members: members.map((m) => ({ _id: m.index, host: m.host, priority: m.index === 0 ? 2 : 1 })),
        settings: { heartbeatIntervalMillis: 500, electionTimeoutMillis: 2000 },
      },
    }),
  );

  const set: TestReplicaSet = {
    uri: `mongodb://${members.map((m) => m.host).join(",")}/?replicaSet=${SET_NAME}`,
    members,
    async waitForPrimary({ not, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const m of members) {
          if (m.index === not || !m.child || m.child.exitCode !== null) continue;
          const h = await hello(m.host);
          if (h?.isWritablePrimary === true) return m.index;
        }
        if (Date.now() > deadline) throw new Error(`no primary within ${timeoutMs} ms`);
        await sleep(200);
      }
    },
    async stepDown(stepDownSecs = 10) {
      const from = await set.waitForPrimary();
      await admin((members[from] as ReplicaSetMember).host, async (c) => {
        // The primary closes its connections as it steps down: the reply may be a network error.
        await c
          .db("admin")
          .command({
            replSetStepDown: stepDownSecs,
            secondaryCatchUpPeriodSecs: Math.min(5, stepDownSecs - 1),
          })
          .catch((error: unknown) => {
            if (!(error instanceof MongoNetworkError)) throw error;
          });
      });
      const to = await set.waitForPrimary({ not: from });
      return { from, to };
    },
    async kill(index) {
      const m = members[index] as ReplicaSetMember;
      if (!m.child || m.pid === undefined) return;
      const child = m.child;
      process.kill(m.pid, "SIGKILL");
      await exited(child);
      m.child = undefined;
      m.pid = undefined;
    },
    async restart(index) {
      const m = members[index] as ReplicaSetMember;
      if (m.child && m.child.exitCode === null) throw new Error(`member ${index} is still running`);
      await launch(m);
    },
    async waitHealthy(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const primary = await set.waitForPrimary({ timeoutMs: Math.max(1000, deadline - Date.now()) });
        const states = await admin((members[primary] as ReplicaSetMember).host, async (c) => {
          const status = await c.db("admin").command({ replSetGetStatus: 1 });
          return (status.members as { state: number }[]).map((s) => s.state);
        }).catch(() => []);
        if (states.length === 3 && states.every((s) => s === 1 || s === 2)) return;
        if (Date.now() > deadline) throw new Error(`set not healthy within ${timeoutMs} ms: ${states}`);
        await sleep(200);
      }
    },
    async stop() {
      // The data is thrown away: SIGKILL, at once (a clean shutdown of a primary waits for its secondaries).
      await Promise.all(members.map((m) => set.kill(m.index)));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await set.waitHealthy();
  } catch (error) {
    await set.stop();
    throw error;
  }
  return set;
}
