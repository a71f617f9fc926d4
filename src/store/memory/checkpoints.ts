/**
 * `MemoryStore`: an in-process `CheckpointStore` for tests and the embedded demo. Values (JSON) are deep-copied on
 * the way in and out, so callers can never alias stored state. Not durable; one process only. Besides the engine's
 * interface it offers the few thread-wide operations the memory thread and queue stores need (`keepLatest`,
 * `hasRunCheckpoint`, `deleteRunCheckpoints`, `copyThread`), with the semantics of their MongoDB counterparts.
 */
import {
  type Checkpoint,
  CheckpointConflictError,
  type CheckpointMetadata,
  type CheckpointQuery,
  type CheckpointRef,
  type CheckpointStore,
  type CheckpointTuple,
  type HistoryQuery,
  type JsonValue,
  type PendingWrite,
  type PutCheckpointInput,
  type StoreWrite,
} from "../../engine/index.js";

interface StoredCheckpoint {
  checkpoint: Checkpoint;
  metadata: CheckpointMetadata;
  parentCheckpointId: string | null;
}

interface Namespace {
  /** Checkpoint ids in ascending order. */
  ids: string[];
  checkpoints: Map<string, StoredCheckpoint>;
  /** checkpoint id → `${taskId}|${idx}` → write. */
  writes: Map<string, Map<string, PendingWrite>>;
}

/** Deep copy of a JSON value (faster than `structuredClone` for plain JSON; keeps `__proto__` as an own key). */
function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = cloneJson((value as Record<string, unknown>)[key]);
    if (key === "__proto__")
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out as T;
}

function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ao = a as Record<string, JsonValue>;
  const bo = b as Record<string, JsonValue>;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((k) => k in bo && deepEqual(ao[k], bo[k]));
}

function compareWrites(a: PendingWrite, b: PendingWrite): number {
  if (a.taskPath !== b.taskPath) return a.taskPath < b.taskPath ? -1 : 1;
  if (a.taskId !== b.taskId) return a.taskId < b.taskId ? -1 : 1;
  return a.idx - b.idx;
}

/** Index of the first element of sorted `ids` that is ≥ `id`. */
function lowerBound(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * In-memory `CheckpointStore` (see the interface for the contract; test/contract runs it). Checkpoints are kept
 * per `(threadId, checkpointNs)` sorted by id; writes per checkpoint keyed by `(taskId, idx)`.
 */
export class MemoryStore implements CheckpointStore {
  private readonly threads = new Map<string, Map<string, Namespace>>();

  private ns(threadId: string, checkpointNs: string, create: true): Namespace;
  private ns(threadId: string, checkpointNs: string, create?: false): Namespace | undefined;
  private ns(threadId: string, checkpointNs: string, create = false): Namespace | undefined {
    let thread = this.threads.get(threadId);
    if (!thread) {
      if (!create) return undefined;
      thread = new Map();
      this.threads.set(threadId, thread);
    }
    let ns = thread.get(checkpointNs);
    if (!ns && create) {
      ns = { ids: [], checkpoints: new Map(), writes: new Map() };
      thread.set(checkpointNs, ns);
    }
    return ns;
  }

  private tuple(
    threadId: string,
    checkpointNs: string,
    ns: Namespace,
    id: string,
  ): CheckpointTuple | undefined {
    const stored = ns.checkpoints.get(id);
    if (!stored) return undefined;
    const writes = [...(ns.writes.get(id)?.values() ?? [])].sort(compareWrites);
    return cloneJson({
      threadId,
      checkpointNs,
      checkpoint: stored.checkpoint,
      metadata: stored.metadata,
      parentCheckpointId: stored.parentCheckpointId,
      pendingWrites: writes,
    });
  }

  /** See `CheckpointStore.getTuple`. */
  async getTuple(query: CheckpointQuery): Promise<CheckpointTuple | undefined> {
    const checkpointNs = query.checkpointNs ?? "";
    const ns = this.ns(query.threadId, checkpointNs);
    if (!ns) return undefined;
    const id = query.checkpointId ?? ns.ids[ns.ids.length - 1];
    return id === undefined ? undefined : this.tuple(query.threadId, checkpointNs, ns, id);
  }

  /** See `CheckpointStore.list`: newest first, `before` exclusive, metadata exact match, then `limit`. */
  async list(query: HistoryQuery): Promise<CheckpointTuple[]> {
    const checkpointNs = query.checkpointNs ?? "";
    const ns = this.ns(query.threadId, checkpointNs);
    if (!ns) return [];
    const out: CheckpointTuple[] = [];
    const end = query.before === undefined ? ns.ids.length : lowerBound(ns.ids, query.before);
    const filter = Object.entries(query.metadata ?? {});
    for (let i = end - 1; i >= 0; i--) {
      if (query.limit !== undefined && out.length >= query.limit) break;
      const id = ns.ids[i] as string;
      const stored = ns.checkpoints.get(id) as StoredCheckpoint;
      if (!filter.every(([k, v]) => deepEqual(stored.metadata[k], v))) continue;
      out.push(this.tuple(query.threadId, checkpointNs, ns, id) as CheckpointTuple);
    }
    return out;
  }

  /** See `CheckpointStore.put`. Throws `CheckpointConflictError` when the id exists; nothing is written then. */
  async put(input: PutCheckpointInput): Promise<CheckpointRef> {
    const ns = this.ns(input.threadId, input.checkpointNs, true);
    const id = input.checkpoint.id;
    const ref = { threadId: input.threadId, checkpointNs: input.checkpointNs, checkpointId: id };
    if (ns.checkpoints.has(id)) throw new CheckpointConflictError(ref);
    if (input.parentWrites && input.parentCheckpointId !== null) {
      this.storeWrites(ns, input.parentCheckpointId, input.parentWrites);
    }
    ns.checkpoints.set(
      id,
      cloneJson({
        checkpoint: input.checkpoint,
        metadata: input.metadata,
        parentCheckpointId: input.parentCheckpointId,
      }),
    );
    ns.ids.splice(lowerBound(ns.ids, id), 0, id);
    return ref;
  }

  private storeWrites(ns: Namespace, checkpointId: string, writes: readonly PendingWrite[]): void {
    let stored = ns.writes.get(checkpointId);
    if (!stored) {
      stored = new Map();
      ns.writes.set(checkpointId, stored);
    }
    for (const w of writes) {
      const key = `${w.taskId}|${w.idx}`;
      if (w.idx >= 0 && stored.has(key)) continue;
      stored.set(key, cloneJson(w));
    }
  }

  /** See `CheckpointStore.putWrites`: a special write (idx < 0) overwrites, any other is kept as first saved. */
  async putWrites(ref: CheckpointRef, writes: PendingWrite[]): Promise<void> {
    this.storeWrites(this.ns(ref.threadId, ref.checkpointNs, true), ref.checkpointId, writes);
  }

  /** See `CheckpointStore.writeBatch`: each write in order, stopping at the first failure (earlier ones kept). */
  async writeBatch(writes: readonly StoreWrite[]): Promise<void> {
    for (const w of writes) {
      if (w.kind === "put") await this.put(w.input);
      else await this.putWrites(w.ref, w.writes);
    }
  }

  /** See `CheckpointStore.deleteThread`. */
  async deleteThread(threadId: string): Promise<void> {
    this.threads.delete(threadId);
  }

  /** Drops every checkpoint of the thread but the newest of each namespace (with their writes). */
  keepLatest(threadId: string): void {
    for (const ns of this.threads.get(threadId)?.values() ?? []) {
      const keep = ns.ids.slice(-1);
      for (const id of ns.ids.slice(0, -1)) {
        ns.checkpoints.delete(id);
        ns.writes.delete(id);
      }
      ns.ids = keep;
    }
  }

  /** Whether any checkpoint of the thread (any namespace) has `metadata.run_id === runId`. */
  hasRunCheckpoint(threadId: string, runId: string): boolean {
    for (const ns of this.threads.get(threadId)?.values() ?? []) {
      for (const stored of ns.checkpoints.values()) if (stored.metadata.run_id === runId) return true;
    }
    return false;
  }

  /**
   * Deletes the thread's checkpoints written by `runId` (`metadata.run_id`, with their writes) and the pending
   * writes `writes` names on other checkpoints (`RunQueueStore.deleteRunCheckpoints`).
   */
  deleteRunCheckpoints(
    threadId: string,
    runId: string,
    writes: ReadonlyArray<{ checkpointNs: string; checkpointId: string; taskId: string; idx: number }>,
  ): void {
    const thread = this.threads.get(threadId);
    if (!thread) return;
    for (const ns of thread.values()) {
      ns.ids = ns.ids.filter((id) => {
        if ((ns.checkpoints.get(id) as StoredCheckpoint).metadata.run_id !== runId) return true;
        ns.checkpoints.delete(id);
        ns.writes.delete(id);
        return false;
      });
    }
    for (const w of writes)
      thread.get(w.checkpointNs)?.writes.get(w.checkpointId)?.delete(`${w.taskId}|${w.idx}`);
  }

  /**
   * Copies every checkpoint of `sourceThreadId` (all namespaces, writes, ids and parents unchanged) to
   * `targetThreadId`, setting `metadata.thread_id` to the target (`MongoStore.copyThreadCheckpoints`).
   * @throws CheckpointConflictError when the target already holds one of the ids; nothing is copied then.
   */
  copyThread(sourceThreadId: string, targetThreadId: string): void {
    const source = this.threads.get(sourceThreadId);
    if (!source) return;
    for (const [checkpointNs, ns] of source) {
      for (const id of ns.ids) {
        if (this.ns(targetThreadId, checkpointNs)?.checkpoints.has(id)) {
          throw new CheckpointConflictError({ threadId: targetThreadId, checkpointNs, checkpointId: id });
        }
      }
    }
    for (const [checkpointNs, ns] of source) {
      const target = this.ns(targetThreadId, checkpointNs, true);
      for (const id of ns.ids) {
        const stored = cloneJson(ns.checkpoints.get(id) as StoredCheckpoint);
        stored.metadata.thread_id = targetThreadId;
        target.checkpoints.set(id, stored);
        target.ids.splice(lowerBound(target.ids, id), 0, id);
        const writes = ns.writes.get(id);
        if (writes) target.writes.set(id, new Map([...writes].map(([k, w]) => [k, cloneJson(w)])));
      }
    }
  }
}
