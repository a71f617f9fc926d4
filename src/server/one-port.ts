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

/** Memory one HTTP/2 session may hold in nghttp2 (its streams' state, header tables, queued frames), in MB. */
const H2_SESSION_MEMORY_MB = 100;

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * A request handler that serves both protocol versions: what `connectNodeAdapter` returns and what it takes
 * as `fallback` (connect-node does not export the type by name).
 */
export type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;

/** Options for {@link createOnePortServer}. */
export interface OnePortOptions {
  /**
   * Time a client has to send a request's headers, counted from the connection's first byte (HTTP/1.1) or from
   * its opening (a connection that has not shown its protocol yet; an HTTP/2 session that has not sent its
   * SETTINGS). The connection is then closed (HTTP/1.1: `408`). Default 10000.
   */
  headersTimeoutMs?: number;
  /**
   * Time a client has to send a whole request, headers and body: an HTTP/1.1 connection still receiving one is
   * closed (`408`), an HTTP/2 stream whose request half is still open is reset (`CANCEL`). A response may take
   * as long as it likes (SSE, gRPC server streams). Default 60000.
   */
  requestTimeoutMs?: number;
  /** An HTTP/2 session with no open stream for this long is closed with GOAWAY. Default 60000. */
  h2IdleTimeoutMs?: number;
  /**
   * Most client connections open at once. A connection beyond it closes the oldest idle one (nothing being
   * answered on it: not yet a whole request, a keep-alive wait, an HTTP/2 session with no stream) or, when every
   * one is busy, is closed at once. Default no cap (see `connectionCap` for the one derived from `ulimit -n`).
   */
  maxConnections?: number;
  /** Called when a connection is turned away or evicted at the cap (for a log line or a metric). */
  onConnectionRefused?: (reason: "evicted-idle" | "refused-full") => void;
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
  /** Client connections open now. */
  connections(): number;
}

/** What the cap needs to know of one connection: requests (HTTP/1.1) or streams (HTTP/2) being answered. */
interface ConnState {
  socket: net.Socket;
  active: number;
}

/** Builds the one-port server around `handler`. Does not listen. */
export function createOnePortServer(handler: NodeHandler, options: OnePortOptions = {}): OnePortServer {
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const requestTimeoutMs = Math.max(options.requestTimeoutMs ?? 60_000, headersTimeoutMs);
  const h2IdleTimeoutMs = options.h2IdleTimeoutMs ?? 60_000;
  const maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY;
  const h1 = http.createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Node looks for expired requests this often (default 30 s, far coarser than the deadlines).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
    },
    handler as http.RequestListener,
  );
  // The deadlines are enforced by a check Node starts on 'listening'; this server never listens itself.
  h1.emit("listening");
  // Node's default of 10 MB per HTTP/2 session tore down sessions of ~100 held gRPC streams during a burst of
  // 10,000 (each session reset with all its streams, docs/benchmarks.md "Idle streams"): what a session queues for
  // a client that reads slowly counts, and many long streams share one session by design.
  const h2 = http2.createServer(
    { maxSessionMemory: H2_SESSION_MEMORY_MB },
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

  // Insertion order is age order: the first idle entry is the oldest idle connection.
  const conns = new Map<net.Socket, ConnState>();
  const stateOf = (socket: net.Socket) => conns.get(socket);
  const markBusy = (state: ConnState | undefined, done: { once(e: "close", f: () => void): unknown }) => {
    if (!state) return;
    state.active += 1;
    done.once("close", () => {
      state.active -= 1;
    });
  };
  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) =>
    markBusy(stateOf(req.socket), res),
  );
  h1.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) =>
    markBusy(stateOf(req.socket), res),
  );

  const sessions = new Set<http2.ServerHttp2Session>();
  let attaching: ConnState | undefined; // the connection whose session h2 is creating (synchronously)
  h2.on("session", (session) => {
    sessions.add(session);
    const state = attaching;
    // Settings deadline: the preface was sniffed, but a client that stops there holds a descriptor for nothing.
    const settings = setTimeout(() => session.destroy(), headersTimeoutMs);
    session.once("remoteSettings", () => clearTimeout(settings));
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        if (!session.closed && !session.destroyed) session.close();
      }, h2IdleTimeoutMs);
    };
    armIdle();
    session.on("stream", (stream: http2.ServerHttp2Stream) => {
      if (state) state.active += 1;
      clearTimeout(idle);
      // Body deadline: the request half must end in time; the response half may stream for as long as it likes.
      const body = stream.readableEnded
        ? undefined
        : setTimeout(() => {
            if (!stream.readableEnded && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
          }, requestTimeoutMs);
      if (body) stream.once("end", () => clearTimeout(body));
      stream.once("close", () => {
        clearTimeout(body);
        if (state) state.active -= 1;
        if (!state || state.active === 0) armIdle();
      });
    });
    session.once("close", () => {
      sessions.delete(session);
      clearTimeout(settings);
      clearTimeout(idle);
    });
  });

  /** Makes room for one more connection; false when every open one is busy. */
  const makeRoom = (): boolean => {
    for (const state of conns.values()) {
      if (state.active === 0) {
        conns.delete(state.socket);
        state.socket.destroy();
        options.onConnectionRefused?.("evicted-idle");
        return true;
      }
    }
    return false;
  };

  const tcp = net.createServer((socket) => {
    if (conns.size >= maxConnections && !makeRoom()) {
      options.onConnectionRefused?.("refused-full");
      socket.destroy();
      return;
    }
    const state: ConnState = { socket, active: 0 };
    conns.set(socket, state);
    socket.once("close", () => conns.delete(socket));
    let head: Buffer = Buffer.alloc(0);
    socket.setTimeout(headersTimeoutMs, () => socket.destroy());
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
        attaching = state;
        try {
          h2.emit("connection", socket);
        } finally {
          attaching = undefined;
        }
      } else {
        h1.emit("connection", socket);
        // The HTTP/1 parser waits for 'data' events: without resume the request hangs.
        socket.resume();
      }
    };
    socket.on("error", onEarlyError);
    socket.on("data", onData);
  });
  // Out of descriptors, accept() fails: the connection is dropped, the server goes on.
  const onAcceptError = (error: NodeJS.ErrnoException) => {
    if (error.syscall !== "accept") throw error;
  };

  return {
    tcp,
    connections: () => conns.size,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, host, () => {
          tcp.off("error", reject);
          tcp.on("error", onAcceptError);
          resolve(tcp.address() as net.AddressInfo);
        });
      });
    },
    async close(timeoutMs = 10_000) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      h1.close(() => undefined);
      h1.closeIdleConnections();
      for (const session of sessions) session.close();
      const deadline = setTimeout(() => {
        h1.closeAllConnections();
        for (const session of sessions) session.destroy();
        for (const socket of conns.keys()) socket.destroy();
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
