/**
 * Thread time-to-live and pruning parameters (docs/api.md §3 "Thread TTL"), as the Python server takes them:
 * `ttl: {strategy: "delete" | "keep_latest", ttl: <minutes>}` on thread create and update, and
 * `POST /threads/prune {thread_ids, strategy}`.
 */
import type { ThreadTtl as ThreadTtlRequest } from "../../../gen/ts/loom/v1/threads_pb.js";
import type { PruneStrategy, ThreadTtl } from "../../store/records.js";
import { InvalidInputError } from "../errors.js";

const STRATEGIES: readonly PruneStrategy[] = ["delete", "keep_latest"];

/**
 * The strategy named by `value` (`""` = `"delete"`, the default).
 * @throws InvalidInputError naming `field` for any other value
 */
export function parsePruneStrategy(value: string, field: string): PruneStrategy {
  if (value === "") return "delete";
  if (!STRATEGIES.includes(value as PruneStrategy)) {
    throw new InvalidInputError(`Invalid strategy: ${value}. Expected 'delete' or 'keep_latest'.`, field);
  }
  return value as PruneStrategy;
}

/**
 * The TTL of a create or update request, counted from `now`; `undefined` when none was sent.
 * @throws InvalidInputError naming `ttl` for an unknown strategy or a `ttl` that is not a positive number of minutes
 */
export function ttlFromRequest(ttl: ThreadTtlRequest | undefined, now = new Date()): ThreadTtl | undefined {
  if (!ttl) return undefined;
  const strategy = parsePruneStrategy(ttl.strategy, "ttl");
  if (!Number.isFinite(ttl.ttl) || ttl.ttl <= 0) {
    throw new InvalidInputError("ttl.ttl must be a positive number of minutes", "ttl");
  }
  return { strategy, ttlMinutes: ttl.ttl, expiresAt: new Date(now.getTime() + ttl.ttl * 60_000) };
}
