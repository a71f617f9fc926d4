/**
 * Custom auth: an `Auth` object built with `@langchain/langgraph-sdk/auth`, named in `loom.json`
 * (`"auth": {"path": "./src/auth.ts:auth"}`), run the way the LangGraph.js dev server runs it
 * (`@langchain/langgraph-api` `auth/index`): the `authenticate` handler gets a web `Request` and returns an
 * identity string or a user object with `identity`; the handler of an event is the most specific of
 * `resource:action`, `resource`, `*:action`, `*`; it returns nothing or `true` (allowed), `false` (403), or a
 * filter object. An `HTTPException` a handler throws keeps its status and message; any other error is a crash.
 */
import type { AuthModule } from "../../registry/auth-load.js";
import {
  type AuthContext,
  AuthError,
  type AuthEvent,
  type Authenticator,
  type AuthFilter,
  type AuthRequest,
  type AuthUser,
} from "./types.js";

type Handler = (arg: Record<string, unknown>) => unknown;

/** An `HTTPException` of the SDK (or any error with `status` and `headers`, as LangGraph.js tests it). */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  if (!("status" in error) || !("headers" in error)) return undefined;
  const status = (error as { status: unknown }).status;
  return typeof status === "number" && status >= 400 && status <= 599 ? status : undefined;
}

/** An `HTTPException` becomes an AuthError with its status and message; anything else is rethrown as is. */
function convert(error: unknown): never {
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const message = error instanceof Error && error.message !== "" ? error.message : "Unauthorized";
    throw new AuthError(status, message);
  }
  throw error;
}

/** LangGraph's normalisation of what `authenticate` returned. @throws Error for any other shape */
function normalize(response: unknown): AuthContext {
  if (typeof response === "string") {
    return {
      scopes: [],
      user: { identity: response, permissions: [], is_authenticated: true, display_name: response },
    };
  }
  if (typeof response === "object" && response !== null && "identity" in response) {
    const r = response as Record<string, unknown>;
    if (typeof r.identity === "string") {
      const scopes = Array.isArray(r.permissions) ? (r.permissions as string[]) : [];
      const user: AuthUser = {
        ...r,
        identity: r.identity,
        permissions: scopes,
        is_authenticated: typeof r.is_authenticated === "boolean" ? r.is_authenticated : true,
        display_name: typeof r.display_name === "string" ? r.display_name : r.identity,
      };
      return { scopes, user };
    }
  }
  throw new Error(
    "Invalid auth response received. Make sure to either return a `string` or an object with `identity` property.",
  );
}

/**
 * Creates the authenticator of an `Auth` module. When the module has no `authenticate` handler, `fallback`
 * (the API keys) authenticates; without either, every caller is the anonymous user and no handler runs (as in
 * LangGraph.js, handlers need an authenticated context).
 */
export function createCustomAuthenticator(module: AuthModule, fallback?: Authenticator): Authenticator {
  const cache = module["~handlerCache"];
  const anonymous: AuthContext | undefined =
    cache.authenticate || fallback
      ? undefined
      : {
          scopes: [],
          user: { identity: "", permissions: [], is_authenticated: false, display_name: "" },
        };
  const handlerOf = (resource: string, action: string): Handler | undefined => {
    const callbacks = cache.callbacks ?? {};
    for (const key of [`${resource}:${action}`, resource, `*:${action}`, "*"]) {
      const handler = callbacks[key];
      if (handler) return handler;
    }
    return undefined;
  };
  return {
    mode: "custom",
    async authenticate(request: AuthRequest) {
      if (anonymous) return anonymous;
      if (!cache.authenticate) return (fallback as Authenticator).authenticate(request);
      const web = new Request(request.url, { method: request.method, headers: request.headers });
      try {
        return normalize(await cache.authenticate(web));
      } catch (error) {
        return convert(error);
      }
    },
    async authorize(auth: AuthContext, event: AuthEvent) {
      if (auth === anonymous) return undefined;
      const handler = handlerOf(event.resource, event.action);
      if (!handler) return undefined;
      let result: unknown;
      try {
        result = await handler({
          event: `${event.resource}:${event.action}`,
          resource: event.resource,
          action: event.action,
          value: event.value,
          permissions: auth.scopes,
          user: auth.user,
        });
      } catch (error) {
        return convert(error);
      }
      if (result === undefined || result === null || result === true) return undefined;
      if (result === false) throw new AuthError(403, "Forbidden");
      if (typeof result !== "object" || Array.isArray(result)) {
        throw new Error(
          `Auth handler returned invalid result. Expected filter object, null, undefined or boolean. Got "${typeof result}" instead.`,
        );
      }
      return Object.keys(result).length === 0 ? undefined : (result as AuthFilter);
    },
  };
}
