/** The enforcement point's side of an authorization policy (`../enforce.ts` implements `Guard`). */
import type { JsonObject } from "../../../engine/index.js";
import type { AuthFilter } from "../types.js";

/** What a policy can ask of the enforcement point. */
export interface Guard {
  /** Runs the event's handler. @throws AuthError when refused */
  authorize(
    resource: "threads" | "assistants" | "store" | "crons",
    action: string,
    value: Record<string, unknown>,
  ): Promise<AuthFilter | undefined>;
  /** NotFound unless thread `threadId` is missing (left to the service) or passes `scope`. */
  requireThread(threadId: string, scope: AuthFilter | undefined): Promise<void>;
  /** AlreadyExists when thread `threadId` exists outside `scope`. */
  refuseForeignThread(threadId: string, scope: AuthFilter | undefined): Promise<void>;
  /** NotFound unless assistant (or graph) `assistantId` is missing or passes `scope`; AlreadyExists with `taken`. */
  requireAssistant(assistantId: string, scope: AuthFilter | undefined, taken?: boolean): Promise<void>;
  /** NotFound unless cron `cronId` is missing (left to the service) or its metadata passes `scope`. */
  requireCron(cronId: string, scope: AuthFilter | undefined): Promise<void>;
  /** Narrows the call's searches and counts. */
  narrow(scope: AuthFilter | undefined): void;
  /** Metadata a run stamps on a thread it creates. */
  stampThreads(metadata: JsonObject): void;
}

// biome-ignore lint/suspicious/noExplicitAny: requests are the generated message types, read by field name.
type Req = any;
/** The authorization of one RPC: may change `req` (stamped metadata). */
export type Policy = (req: Req, guard: Guard) => Promise<void>;

/** A service's policies by method local name. */
export type ServicePolicies = Record<string, Policy>;
