/**
 * Test `Auth` module of two users with owner filters, in the style of LangGraph's custom-auth docs: the bearer
 * token `alice-token` is alice, `bob-token` is bob, anything else is refused with `HTTPException(401)`. Every
 * created thread, run and assistant is stamped `metadata.owner`, and every access is narrowed to the caller's own.
 *
 * Store calls: the caller's identity is put in front of every namespace, so each user sees only their own items.
 *
 * For the refusal tests, a create whose metadata carries `deny` is refused: `"false"` returns false,
 * `"403"` throws `HTTPException(403)`, `"crash"` throws a plain error (a crashing handler).
 */
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";

const USERS: Record<string, string> = { "alice-token": "alice", "bob-token": "bob" };

/** The secret a crashing handler puts in its message; it must never reach a client. */
export const CRASH_SECRET = "handler-internals-4711";

type Value = { metadata?: Record<string, unknown> | null };

function refuseOnDemand(value: Value): false | undefined {
  const deny = value.metadata?.deny;
  if (deny === "false") return false;
  if (deny === "403") throw new HTTPException(403, { message: "not for you" });
  if (deny === "crash") throw new Error(`crashed: ${CRASH_SECRET}`);
  return undefined;
}

export const auth = new Auth()
  .authenticate(async (request: Request) => {
    const header = request.headers.get("authorization") ?? "";
    const token = header.replace(/^Bearer\s+/i, "");
    const identity = USERS[token];
    if (!identity) throw new HTTPException(401, { message: "Invalid token" });
    return { identity, permissions: ["threads:write"], role: "tester" };
  })
  .on(["threads:create", "threads:create_run", "assistants:create", "crons:create"], ({ value, user }) => {
    const v = value as Value;
    if (refuseOnDemand(v) === false) return false;
    v.metadata ??= {};
    v.metadata.owner = user.identity;
    return { owner: user.identity };
  })
  .on("threads:update", ({ value, user }) => {
    if (refuseOnDemand(value as Value) === false) return false;
    return { owner: user.identity };
  })
  .on("store", ({ value, user }) => {
    const v = value as { namespace?: string[] | null };
    v.namespace = [user.identity, ...(v.namespace ?? [])];
  })
  .on("*", ({ user }) => ({ owner: user.identity }));
