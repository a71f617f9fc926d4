/**
 * The shapes of Loom's authentication and authorization (docs/security.md "Authentication"), in the model of the
 * LangGraph Agent Server's custom auth (`@langchain/langgraph-sdk/auth`): one authenticator turns a request into
 * an identity or refuses it; authorization handlers per `resource:action` event may change the request's value
 * (stamp metadata on what is created) and return a filter every access is narrowed by.
 */
import type { JsonObject } from "../../engine/index.js";

/**
 * The authenticated user as LangGraph normalises it: `identity` and `permissions` always present,
 * `is_authenticated` and `display_name` filled in; any other key the authenticate handler returned is kept.
 * Graphs see it as `config.configurable.langgraph_auth_user`.
 */
export interface AuthUser {
  identity: string;
  permissions: string[];
  is_authenticated: boolean;
  display_name: string;
  [key: string]: unknown;
}

/** The identity of one request: the user and its permissions (LangGraph's `scopes`). */
export interface AuthContext {
  user: AuthUser;
  scopes: string[];
}

/**
 * A filter returned by an authorization handler: each key names a metadata key the resource must carry. A value
 * is compared exactly; `{"$eq": v}` is the same; `{"$contains": v}` (or a list of values) needs a stored list
 * holding every one. Nothing else is an operator: every other key and value is data.
 */
export type AuthFilter = JsonObject;

/** The parts of a request an authenticator reads (built once per call from the protocol's handler context). */
export interface AuthRequest {
  /** Full URL (REST route, or the RPC path for Connect, gRPC-Web and gRPC). */
  url: string;
  /** HTTP method (`POST` for every RPC). */
  method: string;
  /** Request headers, gRPC metadata included. */
  headers: Headers;
}

/** One authorization question: `threads:read` with the value LangGraph passes its handler. */
export interface AuthEvent {
  resource: "threads" | "assistants" | "store" | "crons";
  action: string;
  /** Handlers may change it (e.g. stamp `metadata.owner`); the caller reads it back. */
  value: Record<string, unknown>;
}

/** How a server authenticates and authorizes; the mode `/info` reports. */
export interface Authenticator {
  /** `"custom"`: an `Auth` module from `loom.json`; `"api_key"`: `LOOM_API_KEYS`. */
  readonly mode: "custom" | "api_key";
  /**
   * The caller's identity. @throws AuthError 401 for a missing or bad credential (or the handler's own status),
   * anything else a crashing handler threw.
   */
  authenticate(request: AuthRequest): Promise<AuthContext>;
  /**
   * Runs the handler of `event` (most specific first: `threads:read`, `threads`, `*:read`, `*`): `undefined` when
   * allowed without a filter, a filter to narrow by. @throws AuthError 403 when refused, or the handler's status.
   */
  authorize(auth: AuthContext, event: AuthEvent): Promise<AuthFilter | undefined>;
}

/**
 * A refusal by authentication or authorization with its HTTP status (401, 403, or whatever status a handler's
 * `HTTPException` carried); the message is safe to show the client.
 */
export class AuthError extends Error {
  override readonly name = "AuthError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
