/**
 * One cleartext port for HTTP/1.1 and HTTP/2 (h2c): a `net.Server` peeks at the first bytes of each
 * connection and hands the socket to an HTTP/2 server when they are the HTTP/2 preface, to an HTTP/1.1 server
 * otherwise. Both share one request handler (stack-notes Q4). `http2.createServer({allowHTTP1})` only works
 * over TLS (ALPN), hence the sniffing.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * A request handler that serves both protocol versions: what `connectNodeAdapter` returns and what it takes
 * as `fallback` (connect-node does not export the type by name).
 */
export type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;

/** Options for {@link createOnePortServer}. */
export interface OnePortOptions {
  /** A connection that sends nothing for this long before the protocol is known is closed. Default 10000. */
  sniffTimeoutMs?: number;
  /**
   * Largest body worth a `100 Continue`: a request with `Expect: 100-continue` announcing more goes to the
   * handler without one, so the client gets the handler's 413 instead of sending the body. @default no limit
   */
  continueLimitBytes?: number;
}

/** A listening (or not yet listening) one-port server. */
export interface OnePortServer {
  /** Listens; resolves to the bound address. Port 0 picks a free port. */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /**
   * Stops accepting connections, lets open requests finish for up to `timeoutMs` (default 10000), then
   * destroys what is left. Idle keep-alive connections are closed at once.
   */
  close(timeoutMs?: number): Promise<void>;
  /** The raw TCP server (for tests and address lookups). */
  readonly tcp: net.Server;
}

/** Builds the one-port server around `handler`. Does not listen. */
export function createOnePortServer(handler: NodeHandler, options: OnePortOptions = {}): OnePortServer {
  const sniffTimeoutMs = options.sniffTimeoutMs ?? 10_000;
  const h1 = http.createServer(handler as http.RequestListener);
  const h2 = http2.createServer(
    handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const continueLimit = options.continueLimitBytes ?? Number.POSITIVE_INFINITY;
  // Node answers `Expect: 100-continue` itself unless someone listens for it.
  const onCheckContinue = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    if (!(Number(req.headers["content-length"] ?? "0") > continueLimit)) res.writeContinue();
    (handler as (a: typeof req, b: typeof res) => void)(req, res);
  };
  h1.on("checkContinue", onCheckContinue);
  h2.on("checkContinue", onCheckContinue);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    let head: Buffer = Buffer.alloc(0);
    socket.setTimeout(sniffTimeoutMs, () => socket.destroy());
    const onEarlyError = () => socket.destroy();
    const onData = (chunk: Buffer) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const n = Math.min(head.length, H2_PREFACE.length);
      const looksH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (looksH2 && head.length < H2_PREFACE.length) return; // partial preface: wait for more
      socket.off("data", onData);
      socket.off("error", onEarlyError);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(head);
      if (looksH2) {
        // Http2Session reads the native handle and drains readableLength itself: resuming would lose the preface.
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        // The HTTP/1 parser waits for 'data' events: without resume the request hangs.
        socket.resume();
      }
    };
    socket.on("error", onEarlyError);
    socket.on("data", onData);
  });

  return {
    tcp,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, host, () => {
          tcp.off("error", reject);
          resolve(tcp.address() as net.AddressInfo);
        });
      });
    },
    async close(timeoutMs = 10_000) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      h1.closeIdleConnections();
      for (const session of sessions) session.close();
      const deadline = setTimeout(() => {
        h1.closeAllConnections();
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, timeoutMs);
      deadline.unref();
      // Sockets still serving a request close once their response ends.
      const drain = setInterval(() => h1.closeIdleConnections(), 50);
      await closed;
      clearInterval(drain);
      clearTimeout(deadline);
    },
  };
}
