/**
 * DNS-rebinding guard (docs/security.md): a web page on `attacker.example` can point its own name at 127.0.0.1
 * and then read a local Loom's answers as same-origin. The browser still sends `Host: attacker.example`, so a
 * Loom listening on a loopback address serves only loopback host names, plus the ones the operator lists.
 */
import type { NodeHandler } from "./one-port.js";

type Req = Parameters<NodeHandler>[0];

/** Host names a Loom on a loopback address always accepts (any port). */
export const LOOPBACK_HOST_NAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** Whether `address` (what `listen` was given, or what it bound) is a loopback address or `localhost`. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, "");
  return a === "localhost" || a === "::1" || /^127(\.\d{1,3}){3}$/.test(a) || a === "::ffff:127.0.0.1";
}

/** The host name of a `Host` / `:authority` value, lowercased, without the port (`[::1]:8123` → `[::1]`). */
export function hostNameOf(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith("[")) return a.slice(0, a.indexOf("]") + 1);
  const colon = a.lastIndexOf(":");
  return colon === -1 ? a : a.slice(0, colon);
}

/** Options of {@link createHostGuard}. */
export interface HostGuardOptions {
  /**
   * `LOOM_ALLOWED_HOSTS`: more host names to accept (no port), or `["*"]` to accept any. With a list, the guard
   * is on whatever address Loom listens on. @default [] (only loopback names, and only on a loopback address)
   */
  allowedHosts?: readonly string[];
}

/** Decides per request; `listeningOn` is set once the address is known. */
export interface HostGuard {
  /** Switches the guard on or off for the address Loom listens on. */
  listeningOn(address: string): void;
  /** `undefined` when the request may be served, else the refusal's message (answered 421). */
  refusal(req: Req): string | undefined;
}

/** Creates the guard (off until {@link HostGuard.listeningOn} is called with a loopback address or a list is set). */
export function createHostGuard(options: HostGuardOptions = {}): HostGuard {
  const listed = (options.allowedHosts ?? []).map((h) => h.trim().toLowerCase()).filter((h) => h !== "");
  const any = listed.includes("*");
  const allowed = new Set([...LOOPBACK_HOST_NAMES, ...listed]);
  let active = !any && listed.length > 0;
  return {
    listeningOn(address) {
      active = !any && (listed.length > 0 || isLoopbackAddress(address));
    },
    refusal(req) {
      if (!active) return undefined;
      const authority = req.headers[":authority"] ?? req.headers.host;
      // Browsers always send a Host; a client without one is not a web page.
      if (typeof authority !== "string" || authority === "") return undefined;
      const name = hostNameOf(authority);
      if (allowed.has(name)) return undefined;
      return `Host '${name}' is not served here: Loom accepts ${[...allowed].join(", ")} (set LOOM_ALLOWED_HOSTS to add names)`;
    },
  };
}
