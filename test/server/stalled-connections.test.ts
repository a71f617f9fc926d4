/**
 * Slow and stalled clients against a Loom process with `ulimit -n 1024` (docs/security.md "Slow clients",
 * docs/operations.md "Connection limits"): 1,100 connections that never finish their headers and 200 that trickle a
 * body a byte a second hold more descriptors than the process has, yet `/ok` answers while they are open, and the
 * deadlines close every one of them.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LoomProcess, startLoom } from "../runtime/processes.js";
import { mongoUri } from "../support/mongo.js";

const HEADER_STALLERS = 1100;
const BODY_TRICKLERS = 200;

let loom: LoomProcess;
let port: number;

beforeAll(async () => {
  loom = await startLoom({
    mongoUri: mongoUri(),
    dbName: `stalled_${randomBytes(4).toString("hex")}`,
    fdLimit: 1024,
    env: { LOOM_HEADERS_TIMEOUT_MS: "4000", LOOM_REQUEST_TIMEOUT_MS: "6000", LOOM_WORKERS: "1" },
  });
  port = Number(new URL(loom.url).port);
}, 90_000);

afterAll(async () => {
  await loom?.stop();
});

interface Held {
  socket: net.Socket;
  closed: boolean;
}

function hold(first: string): Promise<Held> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const held: Held = { socket, closed: false };
    socket.on("error", () => undefined);
    socket.on("data", () => undefined);
    socket.once("close", () => {
      held.closed = true;
    });
    socket.once("connect", () => {
      socket.write(first);
      resolve(held);
    });
    // Refused at accept (no room): counts as held-and-closed.
    socket.once("close", () => resolve(held));
  });
}

async function ok(): Promise<number> {
  const res = await fetch(`${loom.url}/ok`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

it("answers /ok while 1,300 stalled connections exceed the descriptor limit, then closes them all", async () => {
  expect(loom.output()).toMatch(/"fdLimit":1024,"maxConnections":864/);
  const stallers: Held[] = [];
  for (let i = 0; i < HEADER_STALLERS; i += 100) {
    stallers.push(
      ...(await Promise.all(
        Array.from({ length: 100 }, () => hold("GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")),
      )),
    );
  }
  const tricklers = await Promise.all(
    Array.from({ length: BODY_TRICKLERS }, () =>
      hold(
        "POST /threads HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{",
      ),
    ),
  );
  const drip = setInterval(() => {
    for (const t of tricklers) if (!t.closed) t.socket.write(" ");
  }, 1000);
  try {
    const open = () => [...stallers, ...tricklers].filter((h) => !h.closed).length;
    // While most of them are still held, the health check gets through.
    expect(open()).toBeGreaterThan(500);
    expect(await ok()).toBe(200);
    // The header deadline closes the stallers, the body deadline the tricklers (which keep sending).
    await expect
      .poll(() => stallers.filter((h) => !h.closed).length, { timeout: 30_000, interval: 250 })
      .toBe(0);
    await expect
      .poll(() => tricklers.filter((h) => !h.closed).length, { timeout: 30_000, interval: 250 })
      .toBe(0);
    expect(await ok()).toBe(200);
  } finally {
    clearInterval(drip);
    for (const h of [...stallers, ...tricklers]) h.socket.destroy();
  }
}, 90_000);
