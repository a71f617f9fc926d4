/**
 * Options and result of `runGraph`, and the per-run context shared by the runner's parts.
 */
import type { CheckpointRef, CheckpointTuple, JsonValue } from "./checkpoint.js";
import type { Command } from "./command.js";
import type { Emitter, EventSink, StreamMode } from "./events.js";
import type { CompiledGraph } from "./graph-types.js";
import type { ResumeSource } from "./interrupt.js";
import type { ItemStore } from "./item-store.js";
import type { MessageStream } from "./message-stream.js";
import type { TaskExecutionOptions } from "./run-task.js";
import type { CheckpointStore } from "./store.js";
import type { RunTracer } from "./tracer.js";
import type { BreakpointList, Interrupt, RunConfig } from "./types.js";
import type { Durability, WriteQueue } from "./write-queue.js";

/**
 * Options of `runGraph`.
 * - `input`: new input (an object); `null`/absent continues from the head or from `checkpointId` (docs/semantics.md §2.5, §7.1).
 * - `command`: resume/update/goto a paused thread (docs/semantics.md §3.6–§3.9); takes precedence over `input`.
 * - `checkpointId`: start from this checkpoint instead of the head (replay/fork, docs/semantics.md §7). Unknown → `CheckpointNotFoundError`.
 * - `interruptBefore` / `interruptAfter`: per-run breakpoints; a non-empty list replaces the compiled one (docs/semantics.md §2.3).
 * - `config`: handed to nodes as `ctx.config` (with `configurable.thread_id` and `checkpoint_ns` added); its
 *   primitive `configurable`/`metadata` values go into checkpoint metadata.
 * - `metadata`: run metadata for every checkpoint written (`run_id`, `graph_id`, `assistant_id`…, docs/semantics.md §1.11).
 * - `signal`: aborts the run; the step in progress is not checkpointed (status `error`, `GraphAbortedError`).
 * - `onEvent` / `streamMode`: event sink and the modes to produce. @default every mode when `onEvent` is set.
 * - `recursionLimit`: most super-steps this run may execute. @default config.recursionLimit ?? 25 (docs/semantics.md §1.6)
 * - `subgraphs`: also emit the events of subgraphs, tagged with their namespace (`RunEvent.ns`). @default false
 * - `durability`: `"sync"` saves each checkpoint before the next step; `"async"` saves in the background, in
 *   order, in batches (one `CheckpointStore.writeBatch` per turn of the event loop), and waits for the saves
 *   before returning (docs/semantics.md §1.16, `write-queue.ts`). Subgraphs share their parent run's queue. @default "sync"
 * - `tracer`: runs each super-step and task inside its hooks (`tracer.ts`); subgraphs use their parent's. @default none
 * - `store`: the long-term memory store nodes reach as `ctx.store` (docs/store.md); subgraphs share it. @default none
 */
export interface RunOptions {
  threadId: string;
  input?: JsonValue;
  command?: Command;
  checkpointId?: string;
  interruptBefore?: BreakpointList;
  interruptAfter?: BreakpointList;
  config?: RunConfig;
  metadata?: Record<string, JsonValue>;
  signal?: AbortSignal;
  onEvent?: EventSink;
  streamMode?: readonly StreamMode[];
  recursionLimit?: number;
  durability?: Durability;
  subgraphs?: boolean;
  tracer?: RunTracer;
  store?: ItemStore;
}

/** How a graph run ended: finished, paused at a breakpoint/interrupt (the thread is then "interrupted", a run
 * "success"), or failed (node error, recursion limit, abort). Not a run record's status (`RunStatus` of
 * src/store/records.ts), where "interrupted" means cancelled. */
export type GraphRunStatus = "success" | "paused" | "error";

/**
 * Result of `runGraph`.
 * - `values`: the state at the head as `getState` shows it: the last checkpoint plus pending Command updates
 *   and, when the run stopped mid-step (interrupt, failure), the writes of that step's finished tasks.
 * - `interrupts`: the dynamic interrupts that paused the run (`[]` for a static breakpoint).
 * - `next`: nodes still to run; non-empty ⇒ the thread is interrupted (or failed mid-step).
 * - `checkpoint`: the head after the run (`null` when the thread has none).
 * - `error`: on `status: "error"`, the node's error, `GraphRecursionError`, `InvalidUpdateError` or `GraphAbortedError`.
 */
export interface RunResult {
  status: GraphRunStatus;
  values: Record<string, JsonValue>;
  interrupts: Interrupt[];
  next: string[];
  checkpoint: CheckpointRef | null;
  error?: Error;
}

/** Shared state of one run. Internal. */
export interface RunContext {
  readonly graph: CompiledGraph;
  readonly store: CheckpointStore;
  readonly threadId: string;
  readonly checkpointNs: string;
  readonly config: RunConfig;
  /** What nodes see as `ctx.context`: the context schema's output, else `config.context` (`{}` when none). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly metadata: Record<string, JsonValue>;
  readonly signal: AbortSignal;
  readonly emitter: Emitter;
  /** The run's chat-message stream (`messages-tuple` / `messages` modes). */
  readonly messages: MessageStream;
  readonly interruptBefore: BreakpointList;
  readonly interruptAfter: BreakpointList;
  readonly recursionLimit: number;
  /** Ids a new checkpoint id must sort after (thread head at start, last written). */
  readonly floorIds: string[];
  /** Orders the run's store writes (durability). */
  readonly writes: WriteQueue;
  /** `metadata.parents` of the checkpoints this run writes: `{}` at the root, parent namespace → id in a subgraph. */
  readonly parents: Record<string, string>;
  /** Where subgraph runs send their events (set when the run streams subgraphs), and in which modes. */
  readonly subgraphEvents?: { sink: EventSink; modes?: readonly StreamMode[] };
  /** Runs a subgraph node's graph in its own namespace (set by the runner). */
  readonly runSubgraph?: TaskExecutionOptions["runSubgraph"];
  /** The run's tracing hooks (`RunOptions.tracer`). */
  readonly tracer?: RunTracer;
  /** The run's long-term memory store (`RunOptions.store`). */
  readonly itemStore?: ItemStore;
}

/**
 * Where the loop starts: the stored tuple (with the pending writes it may use: done tasks are not re-run, saved
 * resume values are replayed), its in-memory working checkpoint (Command writes applied, breakpoints marked seen)
 * and the run's resume value for the first step.
 */
export interface LoopStart {
  tuple: CheckpointTuple;
  working: CheckpointTuple["checkpoint"];
  resume?: ResumeSource;
}
