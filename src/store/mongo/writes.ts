/**
 * Pending writes embedded in their checkpoint document (`writes.<task_id>:<idx>`), stored with one update, or merged
 * in memory into a document before it is inserted (`writeBatch`, checkpoint-batch.ts).
 *
 * Retry rules (docs/semantics.md §1.13, §9): for the same `(taskId, idx)`, a special write (negative `idx`:
 * `__error__`, `__scheduled__`, `__interrupt__`, `__resume__`) overwrites the stored one; any other write is kept
 * as first saved. The rule lives in {@link replacesStored}; {@link mergeWrites} applies it in memory and
 * {@link writesUpdate} has the server apply it in one pipeline update (`$ifNull` keeps an existing entry), so two
 * concurrent retries of the same task cannot both win. Values go through `$literal`, so a stored string such as
 * `"$x"` is data, never a field path.
 */
import type { Document } from "mongodb";
import type { PendingWrite } from "../../engine/checkpoint.js";
import { toWriteDoc, type WriteDoc, writeKey } from "./checkpoint-docs.js";

/** True for the special writes that overwrite on retry (negative `idx`, docs/semantics.md §1.13). */
export function isSpecialWrite(write: { readonly idx: number }): boolean {
  return write.idx < 0;
}

/**
 * The retry rule (docs/semantics.md §1.13): true when `incoming` takes the place of `stored` (the write already
 * saved under the same key, `undefined` for none): always when nothing is stored, else only for a special write.
 */
export function replacesStored(stored: WriteDoc | undefined, incoming: WriteDoc): boolean {
  return stored === undefined || isSpecialWrite(incoming);
}

/** Stored writes by key (`writes.<key>` of a checkpoint document). */
export type WriteMap = Map<string, WriteDoc>;

/**
 * Merges `incoming` (key → stored shape, in order) into `into` under {@link replacesStored}. Mutates `into`;
 * returns the keys whose entry changed (each once).
 */
export function mergeWrites(into: WriteMap, incoming: Iterable<readonly [string, WriteDoc]>): Set<string> {
  const changed = new Set<string>();
  for (const [key, doc] of incoming) {
    if (!replacesStored(into.get(key), doc)) continue;
    into.set(key, doc);
    changed.add(key);
  }
  return changed;
}

/**
 * The writes of one `putWrites(writes)` call in their stored shape, by key: the retry rule applied within the call
 * (the first of several regular writes with the same key wins, the last special write wins). Merging these maps
 * call after call gives the same result as merging every write one by one.
 */
export function storedWrites(writes: readonly PendingWrite[]): WriteMap {
  const out: WriteMap = new Map();
  mergeWrites(
    out,
    writes.map((write) => [writeKey(write.taskId, write.idx), toWriteDoc(write)] as const),
  );
  return out;
}

/**
 * The aggregation-pipeline update that merges `writes` into a stored checkpoint document under the retry rules
 * (the server-side form of {@link replacesStored}: a special write is set, a regular one only `$ifNull`).
 * Within one call, the writes are first reduced by {@link storedWrites}. Returns `undefined` when `writes` is empty.
 */
export function writesUpdate(writes: readonly PendingWrite[]): Document[] | undefined {
  if (writes.length === 0) return undefined;
  const set: Record<string, unknown> = {};
  for (const [key, doc] of storedWrites(writes)) {
    const path = `writes.${key}`;
    const literal = { $literal: doc };
    set[path] = isSpecialWrite(doc) ? literal : { $ifNull: [`$${path}`, literal] };
  }
  return [{ $set: set }];
}
