/**
 * Domain errors → Connect codes, in this one place (DESIGN.md "Errors over REST", style.md habit 3). The REST
 * bridge turns the code into an HTTP status (./rest/http-status.ts).
 *
 * | errors | code | REST |
 * |---|---|---|
 * | thread / run / assistant / graph / checkpoint not found | NotFound | 404 |
 * | thread / run / assistant id taken | AlreadyExists | 409 |
 * | thread busy (run create with `reject`, state update during a run) | FailedPrecondition | 409 |
 * | bad input: unknown node, ambiguous or invalid update, a context its graph's context schema refuses, several
 *   interrupts with a plain resume, bad query, state too large, {@link InvalidInputError} | InvalidArgument | 422 |
 * | a wait, join or stream cut by this process's shutdown (ShuttingDownError) | Unavailable | 503 |
 * | the database is away (a transient store error: `isTransient`, e.g. `isTransientMongoError`: no primary during
 *   an election, a primary stepping down, a cleared pool; docs/runs.md "MongoDB outages", "Replica sets and
 *   failover") | Unavailable | 503, `detail` "database unavailable: …" (the SDKs retry a 503) |
 *
 * Every Unavailable carries {@link RETRY_AFTER_HEADER} (seconds) in its metadata, so a gRPC or Connect client sees
 * it as a header or trailer; the REST bridge sends it as the HTTP `Retry-After` header of every 503.
 * | anything else | Internal | 500 |
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AmbiguousUpdateError,
  CheckpointNotFoundError,
  InvalidContextError,
  InvalidItemError,
  InvalidUpdateError,
  MultipleInterruptsError,
  NodeNotFoundError,
  SubgraphNotFoundError,
} from "../engine/index.js";
import { GraphNotFoundError } from "../registry/registry.js";
import { InvalidScheduleError } from "../runtime/cron-schedule.js";
import { ShuttingDownError } from "../runtime/errors.js";
import { passThrough } from "../runtime/pass-through.js";
import {
  AssistantExistsError,
  AssistantNotFoundError,
  AssistantVersionNotFoundError,
  CronNotFoundError,
  DocumentTooLargeError,
  InvalidQueryError,
  RunExistsError,
  RunNotFoundError,
  ThreadBusyError,
  ThreadExistsError,
  ThreadNotFoundError,
} from "../store/errors.js";

/** A request the service refuses before touching any store; `field` names the offending field when known. */
export class InvalidInputError extends Error {
  override readonly name = "InvalidInputError";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The Python server's message, word for word (clients match on it). */
export const CONTEXT_CLASH_MESSAGE =
  "Cannot specify both configurable and context. Prefer setting context alone. Context was introduced in " +
  "LangGraph 0.6.0 and is the long term planned replacement for configurable.";

/**
 * A request with both `config.configurable` and `context` (`context-clash.ts`): REST 400 (the Python server's
 * status, {@link restStatusOverride}), Connect InvalidArgument.
 */
export class ContextClashError extends InvalidInputError {
  constructor() {
    super(CONTEXT_CLASH_MESSAGE, "context");
  }
}

/** A state update on a thread with a pending or running run (docs/api.md §8d: 409 "Thread is busy"). */
export class ThreadBusyUpdateError extends Error {
  override readonly name = "ThreadBusyUpdateError";
  constructor(readonly threadId: string) {
    super("Thread is busy");
  }
}

const BY_CLASS: ReadonlyArray<[abstract new (...args: never[]) => Error, Code]> = [
  [ThreadNotFoundError, Code.NotFound],
  [RunNotFoundError, Code.NotFound],
  [AssistantNotFoundError, Code.NotFound],
  [CronNotFoundError, Code.NotFound],
  [AssistantVersionNotFoundError, Code.NotFound],
  [GraphNotFoundError, Code.NotFound],
  [CheckpointNotFoundError, Code.NotFound],
  [ThreadExistsError, Code.AlreadyExists],
  [AssistantExistsError, Code.AlreadyExists],
  [RunExistsError, Code.AlreadyExists],
  [ThreadBusyError, Code.FailedPrecondition],
  [ThreadBusyUpdateError, Code.FailedPrecondition],
  [InvalidInputError, Code.InvalidArgument],
  [NodeNotFoundError, Code.InvalidArgument],
  [SubgraphNotFoundError, Code.InvalidArgument],
  [AmbiguousUpdateError, Code.InvalidArgument],
  [InvalidUpdateError, Code.InvalidArgument],
  [InvalidContextError, Code.InvalidArgument],
  [MultipleInterruptsError, Code.InvalidArgument],
  [InvalidQueryError, Code.InvalidArgument],
  [InvalidItemError, Code.InvalidArgument],
  [InvalidScheduleError, Code.InvalidArgument],
  [DocumentTooLargeError, Code.InvalidArgument],
  [ShuttingDownError, Code.Unavailable],
];

/**
 * Domain errors whose REST status is not their code's (`rest/http-status.ts`): the Python server answers a
 * `checkpoint_ns` of no subgraph (its `ValueError` handler) and a configurable/context clash with 400, where other
 * invalid input gets 422.
 */
const REST_STATUS_BY_CLASS: ReadonlyArray<readonly [new (...args: never[]) => Error, number]> = [
  [SubgraphNotFoundError, 400],
  [ContextClashError, 400],
];

/** The REST status of domain error `cause` when it differs from its Connect code's; undefined otherwise. */
export function restStatusOverride(cause: unknown): number | undefined {
  for (const [cls, status] of REST_STATUS_BY_CLASS) if (cause instanceof cls) return status;
  return undefined;
}

/** The header a retryable failure carries: `Retry-After`, in seconds (RFC 9110 §10.2.3). */
export const RETRY_AFTER_HEADER = "retry-after";

/**
 * Seconds a client should wait before retrying an Unavailable answer: an election on a replica set takes a few
 * seconds (electionTimeoutMillis 10 s by default); 1 s lets a retry reach the new primary soon after it serves.
 */
export const RETRY_AFTER_SECONDS = 1;

/** Tells a transient store failure (the database is away for now) from every other error. */
export type TransientErrorTest = (error: unknown) => boolean;

/**
 * Converts any thrown value to a `ConnectError`: a `ConnectError` passes through, a known domain error gets its
 * code and keeps its message (and itself as `cause`), a transient store error (`isTransient`) becomes Unavailable
 * with the message `database unavailable: <message>`, anything else becomes Internal.
 */
export function toConnectError(error: unknown, isTransient?: TransientErrorTest): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof Error) {
    for (const [cls, code] of BY_CLASS) {
      if (error instanceof cls) {
        const metadata = code === Code.Unavailable ? retryAfter() : undefined;
        return new ConnectError(error.message, code, metadata, undefined, error);
      }
    }
    if (isTransient?.(error)) {
      return new ConnectError(
        `database unavailable: ${error.message}`,
        Code.Unavailable,
        retryAfter(),
        undefined,
        error,
      );
    }
  }
  return ConnectError.from(error, Code.Internal);
}

function retryAfter(): Headers {
  return new Headers({ [RETRY_AFTER_HEADER]: String(RETRY_AFTER_SECONDS) });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === "object" && Symbol.asyncIterator in value;
}

/** Called with every error that maps to Internal (a bug or an infrastructure failure), e.g. to log it. */
export type InternalErrorListener = (error: unknown, method: string) => void;

/**
 * Wraps every method of a service implementation so that unary results and streamed parts surface errors
 * through {@link toConnectError}. Applied once where services are registered, so Connect, gRPC and the REST
 * bridge (which calls implementations directly) see the same codes. `onInternal` hears about Internal ones;
 * `isTransient` picks the store errors that become Unavailable.
 */
export function withErrorMapping<T extends object>(
  impl: T,
  onInternal?: InternalErrorListener,
  isTransient?: TransientErrorTest,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    if (typeof fn !== "function") continue;
    const map = (error: unknown) => {
      const ce = toConnectError(error, isTransient);
      if (ce.code === Code.Internal && onInternal) onInternal(error, name);
      return ce;
    };
    const mapStream = (source: AsyncIterable<unknown>) => passThrough(source, { error: map });
    wrapped[name] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = fn.apply(impl, args);
      } catch (error) {
        throw map(error);
      }
      if (isAsyncIterable(result)) return mapStream(result);
      if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(map(error)));
      return result;
    };
  }
  return wrapped as T;
}
