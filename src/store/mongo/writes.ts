/**
 * Pending writes embedded in their checkpoint document (`writes.<task_id>:<idx>`), stored with one update.
 *
 * Retry rules (engine-semantics §1.13, §9): for the same `(taskId, idx)`, a special write (negative `idx`:
 * `__error__`, `__scheduled__`, `__interrupt__`, `__resume__`) overwrites the stored one; any other write is kept
 * as first saved. Enforced by the server in one pipeline update (`$ifNull` keeps an existing entry), so two
 * concurrent retries of the same task cannot both win. Values go through `$literal`, so a stored string such as
 * `"$x"` is data, never a field path.
 */
import type { Document } from "mongodb";
import type { PendingWrite } from "../../engine/checkpoint.js";
import { toWriteDoc, writeKey } from "./checkpoint-docs.js";

/** True for the special writes that overwrite on retry (negative `idx`, engine-semantics §1.13). */
export function isSpecialWrite(write: PendingWrite): boolean {
  return write.idx < 0;
}

/**
 * The aggregation-pipeline update that merges `writes` into a checkpoint document under the retry rules above.
 * Within one call, the first of several regular writes with the same key wins and the last special write wins.
 * Returns `undefined` when `writes` is empty.
 */
export function writesUpdate(writes: readonly PendingWrite[]): Document[] | undefined {
  if (writes.length === 0) return undefined;
  const set: Record<string, unknown> = {};
  for (const write of writes) {
    const path = `writes.${writeKey(write.taskId, write.idx)}`;
    const literal = { $literal: toWriteDoc(write) };
    if (isSpecialWrite(write)) set[path] = literal;
    else if (!(path in set)) set[path] = { $ifNull: [`$${path}`, literal] };
  }
  return [{ $set: set }];
}
