/**
 * Built-in API-key authentication (`LOOM_API_KEYS`, docs/security.md "API keys"): the server holds only the
 * SHA-256 of each key, mapped to an identity. A request presents its key in `x-api-key` or
 * `Authorization: Bearer <key>`; the key's hash is compared with every stored hash in constant time, and the key
 * itself is never kept, logged or echoed.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type AuthContext, AuthError, type Authenticator, type AuthRequest } from "./types.js";

/** One configured key: the SHA-256 of the key (32 bytes) and the identity it stands for. */
export interface ApiKeyEntry {
  sha256: Buffer;
  identity: string;
}

/** The key a request presents: `x-api-key`, else the token of `Authorization: Bearer`; `undefined` when none. */
export function presentedKey(headers: Headers): string | undefined {
  const header = headers.get("x-api-key");
  if (header !== null && header !== "") return header;
  const authorization = headers.get("authorization");
  if (authorization === null) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/**
 * Creates the API-key authenticator. Every authorization is allowed without a filter (a key grants the whole API);
 * combine with an `Auth` module for per-owner rules.
 * @throws Error when `entries` is empty or a hash is not 32 bytes
 */
export function createApiKeyAuthenticator(entries: readonly ApiKeyEntry[]): Authenticator {
  if (entries.length === 0) throw new Error("API-key authentication needs at least one key");
  for (const e of entries) if (e.sha256.length !== 32) throw new Error("an API key hash must be 32 bytes");
  const users = new Map<string, AuthContext>();
  for (const e of entries) {
    users.set(e.identity, {
      user: { identity: e.identity, permissions: [], is_authenticated: true, display_name: e.identity },
      scopes: [],
    });
  }
  return {
    mode: "api_key",
    async authenticate(request: AuthRequest) {
      const key = presentedKey(request.headers);
      if (key === undefined) throw new AuthError(401, "Missing authentication credential");
      const digest = createHash("sha256").update(key, "utf8").digest();
      // Every entry is compared, whichever matches, so the time taken says nothing about which one did.
      let found: string | undefined;
      for (const e of entries) {
        if (timingSafeEqual(digest, e.sha256) && found === undefined) found = e.identity;
      }
      const auth = found === undefined ? undefined : users.get(found);
      if (auth === undefined) throw new AuthError(401, "Invalid authentication credential");
      return auth;
    },
    async authorize() {
      return undefined;
    },
  };
}
