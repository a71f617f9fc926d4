/**
 * The authorization outcome of one call, handed from the enforcement wrapper (`./enforce.ts`) to the service
 * implementation through the handler context's values, the same way on every protocol.
 */
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { JsonObject } from "../../engine/index.js";
import type { AuthContext, AuthFilter } from "./types.js";

/** What the services read of a call's authorization. */
export interface RequestAuth {
  /** The caller. */
  auth: AuthContext;
  /** The filter a search or count is narrowed by (`ThreadSearchQuery.scope`); absent: not narrowed. */
  scope?: AuthFilter;
  /**
   * Metadata a run stamps on a thread it creates (stateless, or `if_not_exists: "create"`): the run metadata the
   * `threads:create_run` handler returned, as LangGraph puts it on the new thread.
   */
  threadMetadata?: JsonObject;
}

const REQUEST_AUTH = createContextKey<RequestAuth | undefined>(undefined, { description: "loom auth" });

/** The call's authorization; `undefined` when the server runs without auth. */
export function requestAuth(ctx: HandlerContext): RequestAuth | undefined {
  return ctx.values.get(REQUEST_AUTH);
}

/** Records the call's authorization for the service implementation. */
export function setRequestAuth(ctx: HandlerContext, value: RequestAuth): void {
  ctx.values.set(REQUEST_AUTH, value);
}

/** `scope` of {@link requestAuth} as a store query field (`{}` when not narrowed). */
export function scopeOf(ctx: HandlerContext): { scope?: AuthFilter } {
  const scope = requestAuth(ctx)?.scope;
  return scope ? { scope } : {};
}

/**
 * The `config.configurable` keys LangGraph gives a run of an authenticated caller: `langgraph_auth_user`,
 * `langgraph_auth_user_id`, `langgraph_auth_permissions`; `{}` without auth.
 */
export function authConfigurable(ctx: HandlerContext): JsonObject {
  const auth = requestAuth(ctx)?.auth;
  if (!auth) return {};
  return {
    langgraph_auth_user: auth.user as unknown as JsonObject,
    langgraph_auth_user_id: auth.user.identity,
    langgraph_auth_permissions: auth.scopes,
  };
}
