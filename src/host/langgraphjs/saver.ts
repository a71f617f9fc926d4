/**
 * A LangGraph.js `BaseCheckpointSaver` over Loom's `CheckpointStore` (`src/engine/store.ts`). Over the MongoDB store
 * (`createMongoSaver`) it writes the same native, queryable `checkpoints` documents as Loom's own engine: one
 * collection, the same indexes, parent links, `checkpoint_ns`, pending writes in the checkpoint document. Channel
 * values, metadata and write values are stored as the JSON of LangGraph's serializer (`JsonPlusSerializer`), so a
 * LangChain message is the readable document `{lc: 1, type: "constructor", id: [..., "AIMessage"], kwargs: {...}}`
 * and is read back as the same class.
 *
 * Used by the adapter (`./host.ts`) with the run's fenced store, and usable on its own:
 * `graph.compile({checkpointer: await createMongoSaver({client, db})})` (`./mongo-saver.ts`).
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  maxChannelVersion,
  type PendingWrite,
  type SerializerProtocol,
  TASKS,
  WRITES_IDX_MAP,
} from "@langchain/langgraph-checkpoint";
import {
  type CheckpointStore,
  createWriteQueue,
  type Durability,
  type JsonValue,
  type CheckpointMetadata as LoomMetadata,
  type CheckpointTuple as LoomTuple,
  type PendingWrite as LoomWrite,
  type StoreWrite,
  type WriteQueue,
} from "../../engine/index.js";
import { copyPlainJson, NOT_PLAIN } from "./plain-json.js";

const decoder = new TextDecoder();

const headKey = (threadId: string, checkpointNs: string) => `${threadId}\u0000${checkpointNs}`;

/** The store's order of pending writes (`CheckpointStore.getTuple`): task path, task id, then index. */
function compareWrites(a: LoomWrite, b: LoomWrite): number {
  if (a.taskPath !== b.taskPath) return a.taskPath < b.taskPath ? -1 : 1;
  if (a.taskId !== b.taskId) return a.taskId < b.taskId ? -1 : 1;
  return a.idx - b.idx;
}

/** Options of {@link LoomCheckpointSaver}. */
export interface LoomSaverOptions {
  /** Merged into the metadata of every checkpoint written (e.g. the run's `run_id`, `graph_id`). */
  metadata?: Record<string, JsonValue>;
  serde?: SerializerProtocol;
  /**
   * The `[threadId, checkpointNs]` pairs holding checkpoints (of `threadId` only, when given): lets `list` without a
   * `thread_id` or a `checkpoint_ns` cover them all. Absent: such a list covers the root namespace of the given
   * thread only.
   */
  namespaces?: (threadId: string | undefined) => Promise<Array<[string, string]>>;
  /**
   * When writes reach the store (docs/semantics.md §1.16). `"sync"` (default): `put` / `putWrites` resolve once
   * stored. `"async"`: they resolve once queued, in call order, and go out in batches (`CheckpointStore.writeBatch`,
   * one round trip per turn of the event loop, the engine's write queue); reads (`getTuple`, `list`) wait for the
   * queue first, and `flush()` must be awaited before the run is over. A crash may lose the last steps, never
   * reorder them. After a failed batch no later write is sent: `onFailure` is told at once, `flush()` rejects.
   */
  durability?: Durability;
  /** Called once, as soon as it happens, with the error of the first failed background write (`"async"` only). */
  onFailure?: (error: unknown) => void;
  /**
   * Whether reading the head of a `(thread, namespace)` this saver wrote the last checkpoint of is answered from
   * what it wrote (the checkpoint and the writes stored against it since), without a round trip. Only sound while
   * nothing else writes the thread, as during one of Loom's runs (it holds the thread); never after a failed write.
   * @default false
   */
  cacheHead?: boolean;
}

/** A `BaseCheckpointSaver` storing through `store` (see the module doc). */
export class LoomCheckpointSaver extends BaseCheckpointSaver {
  private readonly extra: Record<string, JsonValue>;
  /** The last write in flight: writes run one after another, in call order (see `sequenced`). */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: CheckpointStore,
    options: LoomSaverOptions = {},
  ) {
    super(options.serde);
    this.extra = options.metadata ?? {};
    this.namespaces = options.namespaces;
    this.plain = options.serde === undefined;
    this.cacheHead = options.cacheHead ?? false;
    this.queue = createWriteQueue(options.durability ?? "sync", store, (error) => {
      this.failed = true;
      options.onFailure?.(error);
    });
  }

  /** Whether the serializer is LangGraph's default one, whose documents of plain JSON data are that data. */
  private readonly plain: boolean;
  private readonly cacheHead: boolean;
  /** Set once a write failed: from then on reads go to the store, never to `heads`. */
  private failed = false;
  /**
   * The last checkpoint this saver stored per `(thread, namespace)`, with the writes stored against it since, as the
   * store holds them (the head: a run holds its thread, so nothing else writes there while this saver is in use).
   * Reading the head back, as LangGraph.js's `getState` does at the end of a run, needs no round trip then.
   */
  private readonly heads = new Map<string, { tuple: LoomTuple; writes: Map<string, LoomWrite> }>();

  private readonly queue: WriteQueue;

  /** Sends one write through the queue (see `durability`). */
  private async send(write: StoreWrite): Promise<void> {
    try {
      await this.queue.write(write);
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  /**
   * Resolves once every write called so far is stored; rejects with the first failed write's error. A no-op
   * with `durability: "sync"`, whose writes are stored when their call resolves.
   */
  async flush(): Promise<void> {
    await this.last;
    await this.queue.flush();
  }

  private readonly namespaces: LoomSaverOptions["namespaces"];

  /**
   * Runs `write` after every write called before it. LangGraph.js may put a checkpoint in the background
   * (`durability: "async"`) and save task writes against it right after; the store refuses writes to a checkpoint
   * not stored yet, so writes keep their call order.
   */
  private sequenced<T>(write: () => Promise<T>): Promise<T> {
    const next = this.last.then(write, write);
    this.last = next.catch(() => undefined);
    return next;
  }

  /** The JSON document of `value` as LangGraph's serializer writes it. */
  private async encode(value: unknown): Promise<JsonValue> {
    if (value === undefined) return null;
    if (this.plain) {
      const copy = copyPlainJson(value, "lg_name");
      if (copy !== NOT_PLAIN) return copy;
    }
    const [type, bytes] = await this.serde.dumpsTyped(value);
    if (type !== "json") return { __lg_typed__: type, base64: Buffer.from(bytes).toString("base64") };
    return JSON.parse(typeof bytes === "string" ? bytes : decoder.decode(bytes)) as JsonValue;
  }

  private async decode(doc: JsonValue | undefined): Promise<unknown> {
    if (doc === undefined) return undefined;
    if (this.plain) {
      const copy = copyPlainJson(doc, "lc");
      if (copy !== NOT_PLAIN) return copy;
    }
    if (
      doc !== null &&
      typeof doc === "object" &&
      !Array.isArray(doc) &&
      typeof doc.__lg_typed__ === "string"
    ) {
      return this.serde.loadsTyped(doc.__lg_typed__, Buffer.from(String(doc.base64), "base64"));
    }
    return this.serde.loadsTyped("json", JSON.stringify(doc));
  }

  private async tupleOf(t: LoomTuple): Promise<CheckpointTuple> {
    const channelValues: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(t.checkpoint.channelValues)) channelValues[k] = await this.decode(v);
    const checkpoint: Checkpoint = {
      v: t.checkpoint.v,
      id: t.checkpoint.id,
      ts: t.checkpoint.ts,
      channel_values: channelValues,
      channel_versions: t.checkpoint.channelVersions,
      versions_seen: t.checkpoint.versionsSeen,
    };
    const pendingWrites: CheckpointPendingWrite[] = [];
    for (const w of t.pendingWrites) pendingWrites.push([w.taskId, w.channel, await this.decode(w.value)]);
    const ref = { thread_id: t.threadId, checkpoint_ns: t.checkpointNs };
    return {
      config: { configurable: { ...ref, checkpoint_id: t.checkpoint.id } },
      checkpoint,
      metadata: (await this.decode(t.metadata as JsonValue)) as CheckpointMetadata,
      pendingWrites,
      ...(t.parentCheckpointId !== null
        ? { parentConfig: { configurable: { ...ref, checkpoint_id: t.parentCheckpointId } } }
        : {}),
    };
  }

  /** The checkpoint `config` names (`checkpoint_id`), or the head of its thread and namespace. */
  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    await this.flush();
    const c = config.configurable ?? {};
    const head = this.failed
      ? undefined
      : this.heads.get(headKey(String(c.thread_id), c.checkpoint_ns ?? ""));
    if (head && (!c.checkpoint_id || c.checkpoint_id === head.tuple.checkpoint.id)) {
      return this.tupleOf({ ...head.tuple, pendingWrites: [...head.writes.values()].sort(compareWrites) });
    }
    const tuple = await this.store.getTuple({
      threadId: String(c.thread_id),
      checkpointNs: c.checkpoint_ns ?? "",
      ...(c.checkpoint_id ? { checkpointId: String(c.checkpoint_id) } : {}),
    });
    return tuple ? this.tupleOf(tuple) : undefined;
  }

  /**
   * Checkpoints of `config`'s thread newest first, across every branch: all namespaces unless
   * `configurable.checkpoint_ns` is given; `filter` is exact equality on metadata keys, `before` a config with
   * a `checkpoint_id`. Without `thread_id` or `checkpoint_ns`, every thread or namespace `namespaces` names (see
   * `LoomSaverOptions`), `limit` applying to the whole list.
   */
  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const c = config.configurable ?? {};
    if ((c.thread_id === undefined || c.checkpoint_ns === undefined) && this.namespaces) {
      const threadId = c.thread_id === undefined ? undefined : String(c.thread_id);
      let left = options.limit ?? Number.POSITIVE_INFINITY;
      for (const [thread, ns] of await this.namespaces(threadId)) {
        if (left <= 0) return;
        if (c.checkpoint_ns !== undefined && ns !== String(c.checkpoint_ns)) continue;
        const limit = Number.isFinite(left) ? { limit: left } : {};
        const one = { configurable: { ...c, thread_id: thread, checkpoint_ns: ns } };
        for await (const t of this.list(one, { ...options, ...limit })) {
          left--;
          yield t;
        }
      }
      return;
    }
    if (c.thread_id === undefined) return;
    await this.flush();
    const before = options.before?.configurable?.checkpoint_id;
    const tuples = await this.store.list({
      threadId: String(c.thread_id),
      ...(c.checkpoint_ns !== undefined ? { checkpointNs: String(c.checkpoint_ns) } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(before ? { before: String(before) } : {}),
      ...(options.filter
        ? { metadata: (await this.encode(options.filter)) as Record<string, JsonValue> }
        : {}),
    });
    for (const t of tuples) {
      if (c.checkpoint_id && t.checkpoint.id !== c.checkpoint_id) continue;
      yield await this.tupleOf(t);
    }
  }

  /**
   * Stores `checkpoint` as a child of `config`'s `checkpoint_id` (none: a branch root), in the current format
   * (`v: 4`) with its full state (every entry of `channel_values`, whatever `newVersions` says: Loom's history reads
   * each checkpoint's state on its own). A checkpoint of an older format (`v` < 4) is upgraded on the way in as
   * LangGraph's savers do on read: the pending sends saved against its parent (its `TASKS` writes) become its
   * `TASKS` channel value, at the greatest of its channel versions (or the first version when it has none).
   */
  put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    _newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    return this.sequenced(() => this.putNow(config, checkpoint, metadata));
  }

  private async putNow(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
  ): Promise<RunnableConfig> {
    const c = config.configurable ?? {};
    if (c.thread_id === undefined) throw new Error('Failed to put checkpoint: the config has no "thread_id"');
    const threadId = String(c.thread_id);
    const checkpointNs = String(c.checkpoint_ns ?? "");
    const parentCheckpointId = c.checkpoint_id ? String(c.checkpoint_id) : null;
    const channelValues: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(checkpoint.channel_values)) channelValues[k] = await this.encode(v);
    const channelVersions = { ...checkpoint.channel_versions } as Record<string, number>;
    if (checkpoint.v < 4 && parentCheckpointId !== null) {
      const sends = await this.pendingSends({ threadId, checkpointNs, checkpointId: parentCheckpointId });
      channelValues[TASKS] = await this.encode(sends);
      const versions = Object.values(channelVersions);
      channelVersions[TASKS] =
        versions.length > 0 ? Number(maxChannelVersion(...versions)) : this.getNextVersion(undefined);
    }
    const meta = (await this.encode(metadata)) as Record<string, JsonValue>;
    const input = {
      threadId,
      checkpointNs,
      checkpoint: {
        v: 4 as const,
        id: checkpoint.id,
        ts: checkpoint.ts,
        channelValues,
        channelVersions,
        versionsSeen: checkpoint.versions_seen as Record<string, Record<string, number>>,
      },
      metadata: { ...this.extra, ...meta } as LoomMetadata,
      parentCheckpointId,
    };
    await this.send({ kind: "put", input });
    // The store's documents are never handed out from here: `tupleOf` decodes (copies) every value it reads.
    if (this.cacheHead)
      this.heads.set(headKey(threadId, checkpointNs), {
        tuple: { ...input, pendingWrites: [] },
        writes: new Map(),
      });
    return {
      configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: checkpoint.id },
    };
  }

  /**
   * The values of the `TASKS` (pending `Send`) writes saved against checkpoint `ref`, in store order (task, then
   * index); `[]` when it has none or is unknown. Waits for queued writes first, as `ref`'s writes may be among them.
   */
  private async pendingSends(ref: {
    threadId: string;
    checkpointNs: string;
    checkpointId: string;
  }): Promise<unknown[]> {
    await this.queue.flush();
    const parent = await this.store.getTuple(ref);
    const sends: unknown[] = [];
    for (const w of parent?.pendingWrites ?? [])
      if (w.channel === TASKS) sends.push(await this.decode(w.value));
    return sends;
  }

  /** Stores the writes of task `taskId` against `config`'s checkpoint (special channels overwrite). */
  putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    return this.sequenced(() => this.putWritesNow(config, writes, taskId));
  }

  private async putWritesNow(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const c = config.configurable ?? {};
    const loomWrites: LoomWrite[] = [];
    for (const [i, [channel, value]] of writes.entries()) {
      loomWrites.push({
        taskId,
        taskPath: "",
        idx: WRITES_IDX_MAP[channel] ?? i,
        channel,
        value: await this.encode(value),
      });
    }
    const ref = {
      threadId: String(c.thread_id),
      checkpointNs: String(c.checkpoint_ns ?? ""),
      checkpointId: String(c.checkpoint_id),
    };
    await this.send({ kind: "putWrites", ref, writes: loomWrites });
    const head = this.heads.get(headKey(ref.threadId, ref.checkpointNs));
    if (head?.tuple.checkpoint.id === ref.checkpointId) {
      // The store's rule (`CheckpointStore.putWrites`): a special write overwrites, any other is kept as first saved.
      for (const w of loomWrites) {
        const key = `${w.taskId}|${w.idx}`;
        if (w.idx < 0 || !head.writes.has(key)) head.writes.set(key, w);
      }
    }
  }

  /** Removes every checkpoint and write of the thread. */
  deleteThread(threadId: string): Promise<void> {
    return this.store.deleteThread(threadId);
  }
}
