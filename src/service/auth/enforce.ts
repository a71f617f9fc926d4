/**
 * The one enforcement point of authentication and authorization, below every protocol: it wraps the
 * implementations of ThreadsService, RunsService and AssistantsService, which Connect, gRPC-Web and gRPC
 * (through the Connect router) and REST (through the bridge, which calls the same implementations) all reach
 * (docs/security.md "Authentication").
 *
 * Per call: the authenticator reads the credential from the request headers (gRPC metadata included) → 401 /
 * Unauthenticated; the method's policy (`./policy.ts`) runs the authorization handler → 403 / PermissionDenied
 * when refused; its filter narrows searches (in the MongoDB query) and turns a resource outside it into 404 /
 * NotFound (409 for a create on a foreign id), never 403. Only then does the implementation run, so a refused
 * call writes nothing. A handler that crashes answers 500 / Internal with a fixed message.
 */
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { JsonObject } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { CronStore } from "../../store/cron-store.js";
import {
  AssistantExistsError,
  AssistantNotFoundError,
  CronNotFoundError,
  ThreadExistsError,
  ThreadNotFoundError,
} from "../../store/errors.js";
import type { AssistantStore, ThreadStore } from "../../store/records.js";
import { resolveAssistant } from "../assistants/resolve.js";
import { type RequestAuth, setRequestAuth } from "./context.js";
import { type Guard, POLICIES } from "./policy.js";
import { scopeMatches } from "./scope.js";
import { AuthError, type Authenticator, type AuthFilter } from "./types.js";

/** What the enforcement point reads. */
export interface EnforceDeps {
  authenticator: Authenticator;
  threads: ThreadStore;
  assistants: AssistantStore;
  /** The crons, for the 404 of a cron outside a `crons:*` filter. @default none: crons are not served */
  crons?: CronStore;
  registry: GraphRegistry;
  /**
   * Hears each refused authentication (Unauthenticated, or the code of the status the handler chose) with the
   * RPC's name, e.g. to log it; never given the credential.
   */
  onUnauthenticated?: (rpc: string, code: Code) => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Connect code of an auth refusal's HTTP status (the REST bridge maps it back to the same status). */
function codeOfStatus(status: number): Code {
  switch (status) {
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 409:
      return Code.AlreadyExists;
    case 429:
      return Code.ResourceExhausted;
    case 503:
      return Code.Unavailable;
    default:
      return status >= 500 ? Code.Internal : Code.InvalidArgument;
  }
}

/**
 * What a handler threw, as a ConnectError: an auth refusal with its status's code, anything else (a crash) as
 * Internal with a fixed message, so no stack or message of the handler reaches the client (the cause is kept for
 * the log).
 */
function toAuthConnectError(error: unknown): ConnectError {
  if (error instanceof AuthError) return new ConnectError(error.message, codeOfStatus(error.status));
  return new ConnectError("authorization handler failed", Code.Internal, undefined, undefined, error);
}

/** `call()`, with what it throws converted by {@link toAuthConnectError}. */
async function handlerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toAuthConnectError(error);
  }
}

/** The checks and effects a policy uses, for one call. */
function guardFor(deps: EnforceDeps, state: RequestAuth): Guard {
  const { authenticator, threads } = deps;
  return {
    authorize: (resource, action, value) =>
      handlerCall(() => authenticator.authorize(state.auth, { resource, action, value })),
    async requireThread(threadId, scope) {
      if (!scope || !UUID.test(threadId)) return;
      if ((await threads.count({ ids: [threadId], scope })) > 0) return;
      if ((await threads.count({ ids: [threadId] })) > 0) throw new ThreadNotFoundError(threadId);
    },
    async refuseForeignThread(threadId, scope) {
      if (!scope || !UUID.test(threadId)) return;
      if ((await threads.count({ ids: [threadId], scope })) > 0) return;
      if ((await threads.count({ ids: [threadId] })) > 0) throw new ThreadExistsError(threadId);
    },
    async requireAssistant(assistantId, scope, taken = false) {
      if (!scope) return;
      const record = await resolveAssistant(deps.assistants, deps.registry, assistantId).catch(
        () => undefined,
      );
      if (!record || scopeMatches(record.metadata, scope)) return;
      throw taken ? new AssistantExistsError(assistantId) : new AssistantNotFoundError(assistantId);
    },
    async requireCron(cronId, scope) {
      if (!scope || !deps.crons || !UUID.test(cronId)) return;
      const record = await deps.crons.get(cronId).catch((error: unknown) => {
        if (error instanceof CronNotFoundError) return undefined;
        throw error;
      });
      if (record && !scopeMatches(record.metadata, scope)) throw new CronNotFoundError(cronId);
    },
    narrow(scope: AuthFilter | undefined) {
      if (scope) state.scope = scope;
    },
    stampThreads(metadata: JsonObject) {
      state.threadMetadata = metadata;
    },
  };
}

/**
 * Wraps `impl` (the implementation of `service`) so every method authenticates and authorizes first. A service
 * without policies (e.g. one added later) still authenticates every call.
 */
export function withAuthorization<T extends object>(service: DescService, impl: T, deps: EnforceDeps): T {
  const policies = POLICIES[service.typeName] ?? {};
  const methods = impl as Record<string, (req: unknown, ctx: HandlerContext) => unknown>;
  const wrapped: Record<string, unknown> = {};
  for (const method of service.methods) {
    const fn = methods[method.localName];
    if (typeof fn !== "function") continue;
    const policy = policies[method.localName];
    const admit = async (req: unknown, ctx: HandlerContext) => {
      const auth = await handlerCall(() =>
        deps.authenticator.authenticate({
          url: ctx.url,
          method: ctx.requestMethod,
          headers: ctx.requestHeader,
        }),
      ).catch((error: unknown) => {
        if (error instanceof ConnectError && error.code !== Code.Internal) {
          deps.onUnauthenticated?.(`${service.typeName}/${method.name}`, error.code);
        }
        throw error;
      });
      const state: RequestAuth = { auth };
      setRequestAuth(ctx, state);
      if (policy) await policy(req, guardFor(deps, state));
    };
    if (method.methodKind === "server_streaming") {
      wrapped[method.localName] = async function* (req: unknown, ctx: HandlerContext) {
        await admit(req, ctx);
        yield* fn.call(impl, req, ctx) as AsyncIterable<unknown>;
      };
    } else {
      wrapped[method.localName] = async (req: unknown, ctx: HandlerContext) => {
        await admit(req, ctx);
        return fn.call(impl, req, ctx);
      };
    }
  }
  return { ...impl, ...wrapped } as T;
}
