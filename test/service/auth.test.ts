/**
 * The authenticators and the in-memory filter match (docs/security.md "Authentication", "Filters"): API keys from
 * `x-api-key` or `Authorization: Bearer`; an `Auth` module run as the LangGraph.js server runs it (handler
 * priority, `false` → 403, `HTTPException` keeps its status, a crash stays a crash, the user normalised).
 */
import { createHash } from "node:crypto";
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { describe, expect, it } from "vitest";
import { createApiKeyAuthenticator, presentedKey } from "../../src/service/auth/api-keys.js";
import { createCustomAuthenticator as customAuthenticator } from "../../src/service/auth/custom.js";
import { scopeMatches } from "../../src/service/auth/scope.js";
import { AuthError } from "../../src/service/auth/types.js";

/** The authenticator of an `Auth` built in the test (its generic types are wider than the module's shape). */
const customOf = (auth: unknown, keys?: Parameters<typeof customAuthenticator>[1]) =>
  customAuthenticator(auth as Parameters<typeof customAuthenticator>[0], keys);

const request = (headers: Record<string, string>) => ({
  url: "http://127.0.0.1/threads",
  method: "POST",
  headers: new Headers(headers),
});
const sha = (s: string) => createHash("sha256").update(s).digest();

describe("API keys", () => {
  const auth = createApiKeyAuthenticator([
    { sha256: sha("key-a"), identity: "alice" },
    { sha256: sha("key-b"), identity: "bob" },
  ]);

  it("reads x-api-key first, else a Bearer token", () => {
    expect(presentedKey(new Headers({ "x-api-key": "k1", authorization: "Bearer k2" }))).toBe("k1");
    expect(presentedKey(new Headers({ authorization: "bearer  k2 " }))).toBe("k2");
    expect(presentedKey(new Headers({ authorization: "Basic abc" }))).toBeUndefined();
    expect(presentedKey(new Headers())).toBeUndefined();
  });

  it("maps each key to its identity; a missing or unknown key is a 401 that does not repeat it", async () => {
    expect((await auth.authenticate(request({ "x-api-key": "key-b" }))).user.identity).toBe("bob");
    expect((await auth.authenticate(request({ authorization: "Bearer key-a" }))).user).toEqual({
      identity: "alice",
      permissions: [],
      is_authenticated: true,
      display_name: "alice",
    });
    await expect(auth.authenticate(request({}))).rejects.toMatchObject({ status: 401 });
    const wrong = auth.authenticate(request({ "x-api-key": "key-c" }));
    await expect(wrong).rejects.toBeInstanceOf(AuthError);
    await expect(wrong).rejects.not.toThrow(/key-c/);
  });
});

describe("custom auth", () => {
  const user = {
    scopes: ["s"],
    user: { identity: "u", permissions: ["s"], is_authenticated: true, display_name: "u" },
  };
  const event = (resource: "threads" | "assistants", action: string) => ({ resource, action, value: {} });

  it("normalises what authenticate returns, as LangGraph.js does", async () => {
    const fromString = customOf(new Auth().authenticate(() => "carol"));
    expect((await fromString.authenticate(request({}))).user).toEqual({
      identity: "carol",
      permissions: [],
      is_authenticated: true,
      display_name: "carol",
    });
    const fromObject = customOf(
      new Auth().authenticate(() => ({ identity: "dan", permissions: ["read"], org: "x" })),
    );
    expect(await fromObject.authenticate(request({}))).toEqual({
      scopes: ["read"],
      user: { identity: "dan", permissions: ["read"], org: "x", is_authenticated: true, display_name: "dan" },
    });
  });

  it("gives the handler a web Request with the headers", async () => {
    let seen = "";
    const a = customOf(
      new Auth().authenticate((req: Request) => {
        seen = `${req.method} ${new URL(req.url).pathname} ${req.headers.get("authorization")}`;
        return "x";
      }),
    );
    await a.authenticate(request({ authorization: "Bearer t" }));
    expect(seen).toBe("POST /threads Bearer t");
  });

  it("keeps an HTTPException's status and message; other errors pass through", async () => {
    const a = customOf(
      new Auth().authenticate(() => {
        throw new HTTPException(401, { message: "token expired" });
      }),
    );
    await expect(a.authenticate(request({}))).rejects.toMatchObject({
      status: 401,
      message: "token expired",
    });
    const crash = customOf(
      new Auth().authenticate(() => {
        throw new TypeError("boom");
      }),
    );
    await expect(crash.authenticate(request({}))).rejects.toBeInstanceOf(TypeError);
  });

  it("picks the most specific handler: resource:action, resource, *:action, *", async () => {
    const calls: string[] = [];
    const on = (name: string) => () => {
      calls.push(name);
      return { by: name };
    };
    const a = customOf(
      new Auth()
        .authenticate(() => "u")
        .on("threads:read", on("threads:read"))
        .on("threads", on("threads"))
        .on("*:search", on("*:search"))
        .on("*", on("*")),
    );
    expect(await a.authorize(user, event("threads", "read"))).toEqual({ by: "threads:read" });
    expect(await a.authorize(user, event("threads", "delete"))).toEqual({ by: "threads" });
    expect(await a.authorize(user, event("assistants", "search"))).toEqual({ by: "*:search" });
    expect(await a.authorize(user, event("assistants", "read"))).toEqual({ by: "*" });
  });

  it("true, null or nothing allows without a filter; false is 403; a non-object result is an error", async () => {
    const make = (result: unknown) =>
      customOf(new Auth().authenticate(() => "u").on("*", () => result as never));
    for (const allowed of [true, null, undefined, {}]) {
      expect(await make(allowed).authorize(user, event("threads", "read"))).toBeUndefined();
    }
    await expect(make(false).authorize(user, event("threads", "read"))).rejects.toMatchObject({
      status: 403,
    });
    await expect(make("yes").authorize(user, event("threads", "read"))).rejects.toThrow(/invalid result/);
  });

  it("hands the handler the value to stamp, the user and the permissions", async () => {
    const a = customOf(
      new Auth()
        .authenticate(() => "u")
        .on("threads:create", ({ value, user: u, permissions, event: name }) => {
          (value as { metadata: Record<string, unknown> }).metadata.owner =
            `${u.identity}/${permissions.join()}/${name}`;
        }),
    );
    const value = { metadata: {} as Record<string, unknown> };
    await a.authorize(user, { resource: "threads", action: "create", value });
    expect(value.metadata.owner).toBe("u/s/threads:create");
  });

  it("without an authenticate handler, API keys authenticate and the handlers still authorize", async () => {
    const keys = createApiKeyAuthenticator([{ sha256: sha("k"), identity: "svc" }]);
    const a = customOf(
      new Auth().on("*", ({ user: u }) => ({ owner: u.identity })),
      keys,
    );
    const who = await a.authenticate(request({ "x-api-key": "k" }));
    expect(await a.authorize(who, event("threads", "read"))).toEqual({ owner: "svc" });
    await expect(a.authenticate(request({}))).rejects.toMatchObject({ status: 401 });
  });
});

describe("scopeMatches", () => {
  it("exact values, $eq, $contains on lists; other $ keys are data", () => {
    const metadata = { owner: "alice", tags: ["a", "b"], n: null, obj: { $ne: null } };
    expect(scopeMatches(metadata, undefined)).toBe(true);
    expect(scopeMatches(metadata, { owner: "alice" })).toBe(true);
    expect(scopeMatches(metadata, { owner: { $eq: "alice" } })).toBe(true);
    expect(scopeMatches(metadata, { owner: "bob" })).toBe(false);
    expect(scopeMatches(metadata, { tags: { $contains: "a" } })).toBe(true);
    expect(scopeMatches(metadata, { tags: { $contains: ["a", "b"] } })).toBe(true);
    expect(scopeMatches(metadata, { tags: { $contains: ["a", "c"] } })).toBe(false);
    expect(scopeMatches(metadata, { owner: { $contains: "a" } })).toBe(false);
    expect(scopeMatches(metadata, { owner: { $ne: null } })).toBe(false);
    expect(scopeMatches(metadata, { obj: { $ne: null } })).toBe(true);
    expect(scopeMatches(metadata, { missing: null })).toBe(false);
    expect(scopeMatches(metadata, { n: null })).toBe(true);
  });
});
