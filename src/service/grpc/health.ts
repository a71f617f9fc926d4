/**
 * The standard gRPC health service (`grpc.health.v1.Health`, proto/grpc/health/v1), for Kubernetes gRPC probes,
 * `grpc_health_probe` and load balancers. Not Loom's own `loom.v1.HealthService` (`GET /ok`, `/info`), which
 * stays as it is. Protocol: https://github.com/grpc/grpc/blob/master/doc/health-checking.md
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../../gen/ts/grpc/health/v1/health_pb.js";

/** What the health service needs. */
export interface GrpcHealthDeps {
  /**
   * Fully-qualified names of the services that have a status (besides `""`, the server as a whole); read at
   * each call.
   */
  services: () => readonly string[];
  /** Resolves when the database answers a ping; rejects otherwise. */
  pingDatabase: () => Promise<void>;
  /** A ping that has not answered after this long counts as failed. @default 1000 */
  pingTimeoutMs?: number;
  /** How often an open `Watch` pings the database to see a change. @default 2000 */
  watchPollMs?: number;
}

/** The service for `ConnectRouter.service`, and the switch the app flips when it starts to shut down. */
export interface GrpcHealth {
  service: typeof Health;
  impl: ServiceImpl<typeof Health>;
  /**
   * From now on every status is NOT_SERVING: `Check` answers it, each open `Watch` sends it and then ends with
   * OK (so it does not hold the drain of the server; the client retries as the protocol says, and finds the
   * port closed).
   */
  shutDown(): void;
}

/**
 * A database probe: one ping in flight at a time (callers during it share its answer), `false` after
 * `timeoutMs` without one, so a `mongod` that is gone does not pile up pings that wait for server selection.
 */
function createDatabaseProbe(ping: () => Promise<void>, timeoutMs: number): () => Promise<boolean> {
  let inFlight: Promise<boolean> | undefined;
  return async () => {
    inFlight ??= ping().then(
      () => true,
      () => false,
    );
    const current = inFlight;
    void current.finally(() => {
      if (inFlight === current) inFlight = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([current, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Creates `grpc.health.v1.Health`. Every known service — `""` and each name of `deps.services()` — is SERVING
 * while the database answers a ping and the app is not shutting down, NOT_SERVING otherwise (Loom serves
 * nothing useful without MongoDB, so all services share one status). `Check` of an unknown service fails with
 * NOT_FOUND; `Watch` of one sends SERVICE_UNKNOWN and stays open. `Watch` sends the current status, then each
 * change it sees (it pings every `watchPollMs`, and wakes at once on `shutDown()`). `List` gives every known
 * service's status.
 */
export function createGrpcHealth(deps: GrpcHealthDeps): GrpcHealth {
  const probe = createDatabaseProbe(deps.pingDatabase, deps.pingTimeoutMs ?? 1000);
  const pollMs = deps.watchPollMs ?? 2000;
  const shutdown = new AbortController();
  const known = (service: string) => service === "" || deps.services().includes(service);
  const status = async (): Promise<Status> => {
    if (shutdown.signal.aborted) return Status.NOT_SERVING;
    const up = await probe();
    return up && !shutdown.signal.aborted ? Status.SERVING : Status.NOT_SERVING;
  };

  const impl: ServiceImpl<typeof Health> = {
    async check(request) {
      if (!known(request.service)) {
        throw new ConnectError(`unknown service ${request.service}`, Code.NotFound);
      }
      return { status: await status() };
    },
    async *watch(request, context) {
      const stop = AbortSignal.any([context.signal, shutdown.signal]);
      if (!known(request.service)) {
        yield { status: Status.SERVICE_UNKNOWN };
        // The set of services is fixed for the life of the app: nothing more to say until the end.
        await aborted(stop);
        return;
      }
      let last: Status | undefined;
      for (;;) {
        const now = await status();
        if (now !== last) {
          yield { status: now };
          last = now;
        }
        if (shutdown.signal.aborted || context.signal.aborted) return;
        await sleep(pollMs, stop);
      }
    },
    async list() {
      const now = await status();
      const names = ["", ...deps.services()];
      return { statuses: Object.fromEntries(names.map((name) => [name, { status: now }])) };
    },
  };
  return { service: Health, impl, shutDown: () => shutdown.abort() };
}
