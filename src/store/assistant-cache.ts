/**
 * A read-through cache of assistants in front of an `AssistantStore` (every run resolves its
 * assistant, one database read per run otherwise).
 *
 * Consistency: the cache serves entries only while it is *attached* to a live change feed of the assistants
 * collection (in Loom the runtime's MongoDB change stream, `change-watcher.ts`). Writes through this wrapper
 * invalidate at once; a write by another replica (or by hand in the shell) invalidates when its change event
 * arrives — milliseconds, so a run created on another replica right after a PATCH may still see the previous
 * version for that long. While the feed is down (not yet opened, failed, reopening) every `get` reads the store.
 * A read that overlaps an invalidation is not cached (a generation counter), so a stale document is never stored
 * after the event that replaced it. Entries also expire after `ttlMs` as a safety net.
 */
import type { AssistantRecord, AssistantStore } from "./records.js";

/** Options of {@link createAssistantCache}. */
export interface AssistantCacheOptions {
  /** Most assistants kept (least recently used go first). @default 1000 */
  maxEntries?: number;
  /** An entry is read again after this long, in ms. @default 60_000 */
  ttlMs?: number;
  /** Clock in ms (tests). @default Date.now */
  now?: () => number;
}

/** The cached store plus the hooks its change feed drives. */
export interface AssistantCache extends AssistantStore {
  /** The change feed is live (its first response arrived): the cache may serve entries from now on. */
  attach(): void;
  /** The change feed is down: empties the cache and reads through until `attach()`. */
  detach(): void;
  /** Assistant `assistantId` changed (inserted, updated, replaced, deleted); `null`: anything may have changed. */
  invalidate(assistantId: string | null): void;
  /** Whether entries are served from memory now (the feed is live). */
  attached(): boolean;
  /** Entries held now (tests, metrics). */
  size(): number;
}

/** Wraps `store` with the cache (detached: it serves nothing from memory until `attach()`). */
export function createAssistantCache(
  store: AssistantStore,
  options: AssistantCacheOptions = {},
): AssistantCache {
  const maxEntries = options.maxEntries ?? 1000;
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  // Map order is insertion order: re-inserting on a hit makes the first key the least recently used.
  const entries = new Map<string, { record: AssistantRecord; expiresAt: number }>();
  let attached = false;
  /** Bumped by every invalidation: a read that started before one must not be stored. */
  let generation = 0;

  const invalidate = (assistantId: string | null) => {
    generation++;
    if (assistantId === null) entries.clear();
    else entries.delete(assistantId);
  };

  return {
    attach() {
      invalidate(null);
      attached = true;
    },
    detach() {
      attached = false;
      invalidate(null);
    },
    invalidate,
    attached: () => attached,
    size: () => entries.size,

    async get(assistantId) {
      const hit = entries.get(assistantId);
      if (attached && hit && hit.expiresAt > now()) {
        entries.delete(assistantId);
        entries.set(assistantId, hit);
        return structuredClone(hit.record);
      }
      const started = generation;
      const record = await store.get(assistantId);
      if (attached && generation === started) {
        entries.delete(assistantId);
        entries.set(assistantId, { record: structuredClone(record), expiresAt: now() + ttlMs });
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      }
      return record;
    },

    async create(input, createOptions) {
      const record = await store.create(input, createOptions);
      invalidate(record.assistantId);
      return record;
    },

    async patch(assistantId, patch) {
      try {
        return await store.patch(assistantId, patch);
      } finally {
        invalidate(assistantId);
      }
    },

    async delete(assistantId) {
      try {
        await store.delete(assistantId);
      } finally {
        invalidate(assistantId);
      }
    },

    async setLatest(assistantId, version) {
      try {
        return await store.setLatest(assistantId, version);
      } finally {
        invalidate(assistantId);
      }
    },

    listVersions: (assistantId, query) => store.listVersions(assistantId, query),
    search: (query) => store.search(query),
    count: (query) => store.count(query),
  };
}
