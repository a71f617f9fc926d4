/**
 * The LangGraph.js engine behind the seam (`../hosted-graph.ts`): a compiled LangGraph.js graph (`Pregel`, e.g. a
 * `CompiledStateGraph`) run unchanged by LangGraph.js itself, its checkpoints saved through the `CheckpointStore` the
 * runtime hands in (`./saver.ts`: the same MongoDB documents, fence and guards as Loom's engine). Imported only when
 * `loom.json` names a LangGraph.js graph (`src/registry/host-export.ts`), so it may import `@langchain/langgraph`.
 *
 * What Loom checks before LangGraph.js runs, so bad input gets the same errors as for Loom graphs (nothing written):
 * an unknown `checkpointId` → `CheckpointNotFoundError`; an unknown `asNode` → `NodeNotFoundError`; a plain resume
 * while several interrupts are pending → `MultipleInterruptsError`. LangGraph.js's `InvalidUpdateError` becomes
 * Loom's; an aborted run ends with `GraphAbortedError`.
 */
import { Command as LgCommand, type StateSnapshot as LgSnapshot, type Pregel } from "@langchain/langgraph";
import type { Command } from "../../engine/index.js";
import {
  CheckpointNotFoundError,
  type CheckpointRef,
  type CheckpointStore,
  createEmitter,
  GraphAbortedError,
  type Interrupt,
  InvalidUpdateError,
  isResumeMap,
  type JsonObject,
  type JsonValue,
  type Message,
  MultipleInterruptsError,
  NodeNotFoundError,
  namespacePath,
  type RunOptions,
  type RunResult,
  type SnapshotTask,
  STREAM_MODES,
  type StateSnapshot,
  type StreamMode,
  SubgraphNotFoundError,
} from "../../engine/index.js";
import type { HostedGraph } from "../hosted-graph.js";
import { stateSchemas } from "../loom-drawing.js";
import { LoomBaseStore } from "./base-store.js";
import { batchStoreOnDemand } from "./batched-store.js";
import { toJson } from "./json.js";
import { LoomCheckpointSaver } from "./saver.js";

// biome-ignore lint/suspicious/noExplicitAny: a user's graph of any state type
type AnyPregel = Pregel<any, any, any, any, any>;

const CHECKPOINTER_KEY = "__pregel_checkpointer";
const SPECIAL_AS_NODES = new Set(["__input__", "__copy__", "__end__", "__start__"]);

interface LgConfigurable {
  thread_id?: string;
  checkpoint_ns?: string;
  checkpoint_id?: string;
}

function refOf(config: { configurable?: LgConfigurable } | undefined): CheckpointRef | null {
  const c = config?.configurable;
  if (!c?.checkpoint_id || c.thread_id === undefined) return null;
  return { threadId: c.thread_id, checkpointNs: c.checkpoint_ns ?? "", checkpointId: c.checkpoint_id };
}

function interruptOf(i: { id?: string; value?: unknown }, ns: string[]): Interrupt {
  return { id: i.id ?? "", value: toJson(i.value), ns, when: "during", resumable: true };
}

function isSnapshot(state: unknown): state is LgSnapshot {
  return typeof state === "object" && state !== null && "values" in state && "tasks" in state;
}

/**
 * A LangGraph.js task in Loom's shape. LangGraph.js interrupts carry no namespace; each gets the task's path
 * (`parentNs` plus `<name>:<task id>`), as Loom's engine gives them, so the thread's `interrupts` are keyed by the
 * root task that raised them, even from inside a subgraph (docs/api.md §8a).
 */
function taskOf(t: LgSnapshot["tasks"][number], parentNs: readonly string[]): SnapshotTask {
  const ns = [...parentNs, `${t.name}:${t.id}`];
  const error = t.error as { name?: string; message?: string } | undefined;
  // `getState({subgraphs: true})` puts the subgraph's snapshot here, otherwise its config.
  const embedded = isSnapshot(t.state) ? t.state : undefined;
  const sub = (embedded ? embedded.config : t.state) as { configurable?: LgConfigurable } | undefined;
  const result = (t as { result?: unknown }).result;
  return {
    id: t.id,
    name: t.name,
    path: ((t as { path?: Array<string | number> }).path ?? []).filter(
      (p) => typeof p === "string" || typeof p === "number",
    ),
    error: error ? `${error.name ?? "Error"}: ${error.message ?? String(error)}` : null,
    interrupts: (t.interrupts ?? []).map((i) => interruptOf(i, ns)),
    result: result === undefined || result === null ? null : (toJson(result) as Record<string, JsonValue>),
    checkpoint:
      sub?.configurable?.thread_id !== undefined
        ? { threadId: sub.configurable.thread_id, checkpointNs: sub.configurable.checkpoint_ns ?? "" }
        : null,
    ...(embedded ? { state: snapshotOf(embedded, ns) } : {}),
  };
}

/** A LangGraph.js snapshot in Loom's domain shape; `ns`: the namespace path of the graph it is a state of. */
function snapshotOf(s: LgSnapshot, ns: readonly string[] = []): StateSnapshot {
  const tasks = s.tasks.map((t) => taskOf(t, ns));
  const checkpoint = refOf(s.config as { configurable?: LgConfigurable });
  const values = s.values;
  // LangGraph.js leaves a task out of `next` once it has a pending write, its resume value included, so a node
  // that interrupts again after a resume (a second `interrupt()` call, e.g. one review per tool call) would look
  // finished and its thread idle. A task waiting on an interrupt is next.
  const next = [...s.next];
  for (const t of tasks) if (t.interrupts.length > 0 && !next.includes(t.name)) next.push(t.name);
  return {
    values:
      values !== null && typeof values === "object" && !Array.isArray(values)
        ? (toJson(values) as Record<string, JsonValue>)
        : {},
    next,
    tasks,
    checkpoint,
    parentCheckpoint: refOf(s.parentConfig as { configurable?: LgConfigurable } | undefined),
    metadata: checkpoint ? (toJson(s.metadata) as StateSnapshot["metadata"]) : null,
    createdAt: checkpoint ? (s.createdAt ?? null) : null,
    interrupts: tasks.flatMap((t) => t.interrupts),
  };
}

function lgCommand(command: Command): LgCommand {
  const goto = command.goto as unknown;
  return new LgCommand({
    ...(command.resume !== undefined ? { resume: command.resume } : {}),
    ...(command.update !== undefined ? { update: command.update as Record<string, unknown> } : {}),
    ...(goto !== undefined ? { goto: goto as string } : {}),
  });
}

/** LangGraph.js's own errors that are a refusal of the request become Loom's. */
function loomError(error: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return new GraphAbortedError();
  if (error instanceof Error && error.name === "InvalidUpdateError")
    return new InvalidUpdateError(error.message);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The LangGraph.js stream modes that produce the requested Loom modes: both message modes come from
 * LangGraph.js's `messages` (`[chunk, metadata]`); the legacy `messages` mode also needs `values` (for its
 * `messages/complete`). Which of them reach the client is the emitter's business (`createEmitter`).
 */
function lgModes(wanted: readonly StreamMode[]): string[] {
  const out = new Set<string>();
  for (const m of wanted) {
    if (m === "messages-tuple") out.add("messages");
    else if (m === "messages") out.add("messages").add("values");
    else if (["values", "updates", "checkpoints", "tasks", "debug", "custom"].includes(m)) out.add(m);
  }
  return [...out];
}

/** The schemas of a LangGraph.js graph over its state channels (internal channels left out), titled by its name. */
function lgSchemas(graph: AnyPregel, fallbackTitle: string): JsonObject {
  const keys = Object.keys(graph.channels).filter((k) => !k.startsWith("__") && !k.includes(":"));
  return stateSchemas(graph.name || fallbackTitle, keys);
}

/**
 * `graph` behind the seam, registered as `graphId`. Reads the graph's drawing once (it may be async).
 */
export async function hostLangGraphJs(graphId: string, value: object): Promise<HostedGraph> {
  const graph = value as AnyPregel;
  // Every run gets the memory store: no polling loop per run for it (./batched-store.ts).
  batchStoreOnDemand();
  const drawing = toJson((await graph.getGraphAsync({})).toJSON()) as JsonObject;
  const nodeNames = Object.keys(graph.nodes);
  const configFor = (
    store: CheckpointStore,
    threadId: string,
    extra: Record<string, unknown> = {},
    metadata: Record<string, JsonValue> = {},
    saver: LoomCheckpointSaver = new LoomCheckpointSaver(store, { metadata }),
  ) => ({
    configurable: {
      ...extra,
      thread_id: threadId,
      [CHECKPOINTER_KEY]: saver,
    },
  });
  const requireCheckpoint = async (
    store: CheckpointStore,
    threadId: string,
    checkpointNs: string,
    checkpointId?: string,
  ) => {
    if (checkpointId === undefined) return;
    if (!(await store.getTuple({ threadId, checkpointNs, checkpointId }))) {
      throw new CheckpointNotFoundError(threadId, checkpointId);
    }
  };
  /**
   * The graph that runs in `checkpointNs`: LangGraph.js looks a namespace's subgraph up itself only when it owns
   * the checkpointer, and Loom always hands its saver in the config. @throws SubgraphNotFoundError
   */
  const pregelFor = async (checkpointNs: string): Promise<AnyPregel> => {
    if (checkpointNs === "") return graph;
    const path = namespacePath(checkpointNs);
    for await (const [name, sub] of graph.getSubgraphsAsync(path, true)) if (name === path) return sub;
    throw new SubgraphNotFoundError(path);
  };
  /** `getState`, reading through `saver` when given (a run's, which knows the head it wrote). */
  const stateOf = async (
    store: CheckpointStore,
    options: Parameters<HostedGraph["getState"]>[1],
    saver?: LoomCheckpointSaver,
  ): Promise<StateSnapshot> => {
    const checkpointNs = options.checkpointNs ?? "";
    const target = await pregelFor(checkpointNs);
    await requireCheckpoint(store, options.threadId, checkpointNs, options.checkpointId);
    const config = configFor(
      store,
      options.threadId,
      {
        checkpoint_ns: checkpointNs,
        ...(options.checkpointId ? { checkpoint_id: options.checkpointId } : {}),
      },
      {},
      saver,
    );
    const snapshot = await target.getState(config, { subgraphs: options.subgraphs ?? false });
    return snapshotOf(snapshot, checkpointNs ? checkpointNs.split("|") : []);
  };
  const getState: HostedGraph["getState"] = (store, options) => stateOf(store, options);

  const run = async (store: CheckpointStore, options: RunOptions): Promise<RunResult> => {
    const { threadId, command, checkpointId, signal } = options;
    await requireCheckpoint(store, threadId, "", checkpointId);
    if (command?.resume !== undefined && !isResumeMap(command.resume)) {
      const head = await getState(store, { threadId, ...(checkpointId ? { checkpointId } : {}) });
      const pending = head.interrupts.map((i) => i.id);
      if (pending.length > 1) throw new MultipleInterruptsError(pending);
    }
    const wanted =
      options.streamMode ?? STREAM_MODES.filter((m) => m !== "messages" && m !== "messages-tuple");
    const modes = lgModes(options.onEvent ? wanted : []);
    // Events go through the engine's emitter, so LangGraph.js's chunks reach the client in the same shapes as
    // Loom's own (the tuple for `messages-tuple`, merged `messages/partial` for the legacy mode).
    let ns: string | undefined;
    const sink = options.onEvent;
    const emitter = createEmitter(sink ? (event) => sink(ns ? { ...event, ns } : event) : undefined, wanted);
    // Durability (docs/semantics.md §1.16) is the saver's: `async` batches the checkpoints and task writes
    // LangGraph.js hands it (one round trip per turn of the event loop); a failed batch stops the run at once.
    const stopped = new AbortController();
    const saver = new LoomCheckpointSaver(store, {
      metadata: options.metadata ?? {},
      durability: options.durability ?? "sync",
      onFailure: () => stopped.abort(),
      // The run holds its thread: the state at its end is what this saver wrote last (no read of it back).
      cacheHead: true,
    });
    const runSignal = signal ? AbortSignal.any([signal, stopped.signal]) : stopped.signal;
    const config = {
      ...configFor(
        store,
        threadId,
        {
          ...(options.config?.configurable ?? {}),
          ...(checkpointId ? { checkpoint_id: checkpointId } : {}),
        },
        options.metadata ?? {},
        saver,
      ),
      metadata: { ...(options.metadata ?? {}) },
      // LangGraph's runtime context: nodes read it as `config.context` (`Runtime.context`).
      context: { ...(options.config?.context ?? {}) },
      ...(options.config?.tags ? { tags: options.config.tags } : {}),
      recursionLimit: options.recursionLimit ?? options.config?.recursionLimit ?? 25,
      signal: runSignal,
      streamMode: modes.length > 0 ? modes : ["values"],
      subgraphs: options.subgraphs ?? false,
      ...(options.interruptBefore ? { interruptBefore: options.interruptBefore } : {}),
      ...(options.interruptAfter ? { interruptAfter: options.interruptAfter } : {}),
      // LangGraph.js's "async" puts a checkpoint after the writes against it may be saved; Loom's store refuses
      // writes to a checkpoint it does not hold yet, so LangGraph.js hands every write over in order ("sync") and
      // the saver decides when it is stored.
      durability: "sync",
      // The long-term memory store, for `getStore()` / `config.store` in the graph's nodes (docs/store.md).
      ...(options.store ? { store: new LoomBaseStore(options.store) } : {}),
    };
    const input = command ? lgCommand(command) : (options.input ?? null);
    let error: Error | undefined;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: stream options of any graph
      const stream = await graph.stream(input, config as any);
      for await (const chunk of stream as AsyncIterable<unknown[]>) {
        if (!sink || modes.length === 0) continue;
        const [path, mode, data] = chunk.length === 3 ? chunk : [[], chunk[0], chunk[1]];
        ns = Array.isArray(path) && path.length > 0 ? path.join("|") : undefined;
        if (mode === "messages") {
          const [message, metadata] = toJson(data) as [JsonObject, JsonObject];
          emitter.message(message as unknown as Message, metadata, true);
        } else {
          emitter.emit(mode as Exclude<StreamMode, "messages" | "messages-tuple">, toJson(data));
        }
      }
    } catch (thrown) {
      error = loomError(thrown, signal);
      if (!(error instanceof GraphAbortedError) && error instanceof InvalidUpdateError) throw error;
    }
    // Whatever the graph did, the writes it handed over are stored (or the first failure is the run's error).
    try {
      await saver.flush();
    } catch (failed) {
      error = failed instanceof Error ? failed : new Error(String(failed));
    }
    const state = await stateOf(store, { threadId }, saver);
    return {
      status: error ? "error" : state.next.length > 0 ? "paused" : "success",
      values: state.values,
      interrupts: state.interrupts,
      next: state.next,
      checkpoint: state.checkpoint,
      ...(error ? { error } : {}),
    };
  };

  /** `asNode` must name a node of `target` (the root graph, or the subgraph an update's namespace names). */
  const checkAsNode = (asNode: string | undefined, target: AnyPregel = graph) => {
    const names = target === graph ? nodeNames : Object.keys(target.nodes);
    if (asNode !== undefined && !SPECIAL_AS_NODES.has(asNode) && !names.includes(asNode)) {
      throw new NodeNotFoundError(asNode);
    }
  };

  return {
    engine: "langgraphjs",
    name: graph.name ?? "",
    // A LangGraph.js graph's context is handed to LangGraph as given (its runtime context); not checked here.
    checkContext: async () => undefined,
    hasNode: (node) => node !== "__start__" && nodeNames.includes(node),
    run,
    getState,
    async getHistory(store, options) {
      const checkpointNs = options.checkpointNs ?? "";
      const target = await pregelFor(checkpointNs);
      const config = configFor(store, options.threadId, { checkpoint_ns: checkpointNs });
      const out: StateSnapshot[] = [];
      const history = target.getStateHistory(config, {
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(options.before ? { before: { configurable: { checkpoint_id: options.before } } } : {}),
        ...(options.metadata ? { filter: options.metadata } : {}),
      });
      const ns = checkpointNs ? checkpointNs.split("|") : [];
      for await (const s of history) out.push(snapshotOf(s, ns));
      return out;
    },
    async updateState(store, options) {
      const checkpointNs = options.checkpointNs ?? "";
      const target = await pregelFor(checkpointNs);
      await requireCheckpoint(store, options.threadId, checkpointNs, options.checkpointId);
      checkAsNode(options.asNode, target);
      const config = configFor(
        store,
        options.threadId,
        {
          checkpoint_ns: checkpointNs,
          ...(options.checkpointId ? { checkpoint_id: options.checkpointId } : {}),
        },
        options.metadata ?? {},
      );
      try {
        const next = await target.updateState(config, options.values ?? null, options.asNode);
        const ref = refOf(next as { configurable?: LgConfigurable });
        if (!ref) throw new Error("LangGraph.js updateState returned no checkpoint");
        return ref;
      } catch (thrown) {
        throw loomError(thrown, undefined);
      }
    },
    async bulkUpdateState(store, options) {
      const checkpointNs = options.checkpointNs ?? "";
      await requireCheckpoint(store, options.threadId, checkpointNs, options.checkpointId);
      for (const step of options.supersteps) for (const u of step) checkAsNode(u.asNode);
      const config = configFor(
        store,
        options.threadId,
        {
          checkpoint_ns: checkpointNs,
          ...(options.checkpointId ? { checkpoint_id: options.checkpointId } : {}),
        },
        options.metadata ?? {},
      );
      try {
        const next = await graph.bulkUpdateState(
          config,
          options.supersteps.map((step) => ({
            updates: step.map((u) => ({
              values: u.values ?? null,
              ...(u.asNode ? { asNode: u.asNode } : {}),
            })),
          })),
        );
        const ref = refOf(next as { configurable?: LgConfigurable });
        if (!ref) throw new Error("LangGraph.js bulkUpdateState returned no checkpoint");
        return ref;
      } catch (thrown) {
        throw loomError(thrown, undefined);
      }
    },
    drawing: () => drawing,
    schemas: (id) => ({ graph_id: graphId, ...lgSchemas(graph, id) }),
    async subgraphs(namespace, recurse) {
      const out: Record<string, JsonObject> = {};
      for await (const [ns, sub] of graph.getSubgraphsAsync(namespace, recurse)) {
        out[ns] = lgSchemas(sub as AnyPregel, ns);
      }
      return out;
    },
  };
}
