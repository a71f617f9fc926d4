/**
 * A local HTTP receiver for webhook tests on 127.0.0.1 port 0. Each path decides how it answers, by its first
 * segment: `/ok/...` 200; `/flaky/...` 500 to its first POST, 200 after; `/down/...` always 503; `/hang/...` never
 * answers its first POST (the connection stays open until `close`), 200 after. Every POST is recorded.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One POST the receiver got. */
export interface Received {
  path: string;
  body: Record<string, unknown>;
  /** The status it answered, or `null` while it holds the request (`/hang`). */
  answered: number | null;
}

/** A running receiver. */
export interface WebhookReceiver {
  /** e.g. `http://127.0.0.1:40123` */
  url: string;
  /** The POSTs to `path`, in arrival order. */
  received(path: string): Received[];
  close(): Promise<void>;
}

/** Starts a receiver. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const all: Received[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const earlier = all.filter((r) => r.path === path).length;
      const kind = path.split("/")[1];
      const status =
        kind === "flaky"
          ? earlier === 0
            ? 500
            : 200
          : kind === "down"
            ? 503
            : kind === "hang" && earlier === 0
              ? null
              : 200;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        body = {};
      }
      all.push({ path, body, answered: status });
      if (status === null) {
        held.push(res);
        return;
      }
      res.writeHead(status, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: (path) => all.filter((r) => r.path === path),
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
