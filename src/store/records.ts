/**
 * Domain records of the API layer (threads, runs, assistants) and the repository interfaces that store them
 * (docs/api.md §3–§4). Plain data in camelCase; the service layer converts to the snake_case wire shapes.
 * Timestamps are `Date`s. Every JSON-valued field round-trips exactly (same rules as checkpoint values).
 *
 * Implemented by the MongoDB store (`src/store/mongo`) and the memory store (`src/store/memory`), which share one
 * contract suite per interface (`test/contract`). Errors thrown are the classes of `./errors.ts`.
 */
import type { JsonObject, JsonValue } from "../engine/checkpoint.js";

/** Thread status (docs/api.md §4): `busy` while a run is pending or running; after it `error`, `interrupted` or `idle`. */
export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";

/** Run status (docs/api.md §4). `pending` and `running` are the *active* statuses that keep a thread busy. */
export type RunStatus = "pending" | "running" | "error" | "success" | "timeout" | "interrupted";

/** Statuses of a run that still occupies its thread. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["pending", "running"];

/** Multitask strategy of a run (docs/api.md §5). */
export type MultitaskStrategy = "reject" | "rollback" | "interrupt" | "enqueue";

/** Sort direction of a search. */
export type SortOrder = "asc" | "desc";

/** A thread (docs/api.md §4 "Thread"). */
export interface ThreadRecord {
  threadId: string;
  createdAt: Date;
  updatedAt: Date;
  /** Last time `values`/`status`/`interrupts` were set by a run or a state update. */
  stateUpdatedAt: Date;
  metadata: JsonObject;
  status: ThreadStatus;
  config: JsonObject;
  /** Last state values; `null` before the first run. */
  values: JsonObject | null;
  /** Pending interrupts: task id → Interrupt objects (`{id, value, ...}`). `{}` when none. */
  interrupts: Record<string, JsonObject[]>;
  /** Error of the last run when `status` is `error` (e.g. `{error, message}`), else `null`. */
  error: JsonValue | null;
  /** The thread's time-to-live (docs/api.md §3 "Thread TTL"), or `null` when none was set. */
  ttl: ThreadTtl | null;
}

/** What the TTL sweeper (or `POST /threads/prune`) does to a thread: delete it, or keep only its latest checkpoint. */
export type PruneStrategy = "delete" | "keep_latest";

/** A thread's time-to-live: swept at `expiresAt` with `strategy`. */
export interface ThreadTtl {
  strategy: PruneStrategy;
  /** The TTL as set, in minutes (fractions allowed). */
  ttlMinutes: number;
  expiresAt: Date;
}

/** Fields accepted when creating a thread. Absent fields take their defaults (`metadata {}`, `config {}`, status `idle`). */
export interface NewThread {
  threadId: string;
  metadata?: JsonObject;
  config?: JsonObject;
  /** @default none: the thread is kept until deleted */
  ttl?: ThreadTtl;
}

/** What a finished run or a state update sets on its thread. Absent fields are left unchanged. */
export interface ThreadStateUpdate {
  status?: ThreadStatus;
  values?: JsonObject | null;
  interrupts?: Record<string, JsonObject[]>;
  error?: JsonValue | null;
}

/** Thread search (docs/api.md §3 `POST /threads/search`, `POST /threads/count`). Every given filter is AND-ed. */
export interface ThreadSearchQuery {
  /**
   * Containment: every given key must be present with an equal value; nested objects match when they contain the
   * given nested keys (leaves and arrays compare exactly). Keys and values are data, never query operators.
   */
  metadata?: JsonObject;
  /** Containment on the thread's last `values`, same rules as `metadata`. */
  values?: JsonObject;
  status?: ThreadStatus;
  /** Only these thread ids. */
  ids?: string[];
  /**
   * An authorization filter on `metadata` (`AuthFilter`, docs/security.md "Filters"), ANDed with the rest: each key
   * must hold exactly the value (`{"$eq": v}` the same), or a list holding every `{"$contains": v}` value.
   */
  scope?: JsonObject;
  /** @default 10 */
  limit?: number;
  /** @default 0 */
  offset?: number;
  /** @default "createdAt" */
  sortBy?: "threadId" | "status" | "createdAt" | "updatedAt" | "stateUpdatedAt";
  /** @default "desc" */
  sortOrder?: SortOrder;
}

/** Threads. */
export interface ThreadStore {
  /**
   * Creates a thread with status `idle`. With `ifExists: "do_nothing"` an existing thread is returned unchanged.
   * @throws ThreadExistsError when the id is taken and `ifExists` is `"raise"` (the default).
   */
  create(input: NewThread, options?: { ifExists?: "raise" | "do_nothing" }): Promise<ThreadRecord>;
  /** @throws ThreadNotFoundError */
  get(threadId: string): Promise<ThreadRecord>;
  /**
   * Shallow-merges `metadata` into the thread's metadata (docs/api.md §3 PATCH /threads/{id}) and bumps `updatedAt`.
   * @throws ThreadNotFoundError
   */
  patch(threadId: string, patch: { metadata?: JsonObject; ttl?: ThreadTtl }): Promise<ThreadRecord>;
  /**
   * Sets status/values/interrupts/error (after a run or a state update) and bumps `updatedAt`, `stateUpdatedAt`.
   * @throws ThreadNotFoundError
   * @throws DocumentTooLargeError when the state would not fit in one MongoDB document (16 MiB); nothing written.
   */
  updateState(threadId: string, update: ThreadStateUpdate): Promise<ThreadRecord>;
  /**
   * Records that checkpoints are about to be written to the thread outside a run (state update, supersteps, copy).
   * Must come before the write: a thread on which no run was created and this was never called is known to have no
   * checkpoint, and its first run skips reading the head (`Enqueued.threadHasNoCheckpoint`).
   * @throws ThreadNotFoundError
   */
  beginCheckpointWrite(threadId: string): Promise<void>;
  /**
   * Deletes the thread with all of its runs, checkpoints and pending writes (docs/api.md §3 DELETE /threads/{id}).
   * @throws ThreadNotFoundError when there is no such thread (a second delete).
   */
  delete(threadId: string): Promise<void>;
  /** A page of threads; `total` counts all matches ignoring limit/offset (for `X-Pagination-Total`). */
  search(query: ThreadSearchQuery): Promise<{ items: ThreadRecord[]; total: number }>;
  /** Number of threads matching `metadata`/`values`/`status`/`ids`. */
  count(query: Omit<ThreadSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): Promise<number>;
  /**
   * Prunes threads (docs/api.md §3 `POST /threads/prune`): `delete` removes each as `delete` does; `keep_latest`
   * removes every checkpoint but the newest of each namespace and clears the TTL. Missing ids are skipped;
   * idempotent. Returns how many of `threadIds` existed and were pruned.
   */
  prune(threadIds: readonly string[], strategy: PruneStrategy): Promise<number>;
  /**
   * Up to `limit` threads whose TTL expired at `now`, with their strategies (oldest expiry first), for the sweeper.
   */
  listExpired(now: Date, limit: number): Promise<Array<{ threadId: string; strategy: PruneStrategy }>>;
}

/** A run (docs/api.md §4 "Run"), plus the fields a later run queue uses for leases. */
export interface RunRecord {
  runId: string;
  threadId: string;
  assistantId: string;
  createdAt: Date;
  updatedAt: Date;
  status: RunStatus;
  metadata: JsonObject;
  /** `{input, command, config, context, stream_mode, interrupt_before, interrupt_after, ...}` as the API received them. */
  kwargs: JsonObject;
  multitaskStrategy: MultitaskStrategy;
  /** 1 for the first execution; a queue increments it on each retry after a lost lease. */
  attempt: number;
  /** Not before this time (docs/api.md §5 `after_seconds`). Equals `createdAt` when not delayed. */
  availableAt: Date;
  /** Worker currently executing the run, or `null`. */
  leaseOwner: string | null;
  /** When the worker's lease lapses, or `null`. */
  leaseExpiresAt: Date | null;
  /** A cancel asked for while the run was running (any replica); the owning worker stops it. `null` when none. */
  cancelRequested: CancelAction | null;
  /** The run's stream events go to the event log (background and streamed runs; a plain wait skips them). */
  logEvents: boolean;
  /**
   * The W3C `traceparent` of the request that created the run, when tracing was on there: the run's trace span
   * continues that trace on whichever replica executes it (docs/operations.md "Traces").
   */
  traceparent?: string;
}

/** How a cancel ends a run (docs/api.md §3 `cancel?action=`): `interrupt` keeps its steps, `rollback` deletes them. */
export type CancelAction = "interrupt" | "rollback";

/** Fields accepted when creating a run; the run starts `pending` with `attempt` 1 and no lease. */
export interface NewRun {
  runId: string;
  threadId: string;
  assistantId: string;
  metadata?: JsonObject;
  kwargs?: JsonObject;
  /** @default "reject" */
  multitaskStrategy?: MultitaskStrategy;
  /** @default now */
  availableAt?: Date;
  /** @default false */
  logEvents?: boolean;
  /** The creating request's W3C `traceparent` (`RunRecord.traceparent`). @default none */
  traceparent?: string;
}

/** Run fields that `RunStore.update` may set. Absent fields are left unchanged. */
export interface RunUpdate {
  status?: RunStatus;
  leaseOwner?: string | null;
  leaseExpiresAt?: Date | null;
  attempt?: number;
}

/** Runs. Every run belongs to a thread; the thread is `busy` while it has an active (pending/running) run. */
export interface RunStore {
  /**
   * Atomically creates a `pending` run and marks its thread `busy`. With `rejectIfBusy` (multitask strategy
   * `reject`, docs/api.md §5) it fails when the thread already has a pending or running run; two concurrent calls
   * can never both succeed then.
   * @throws ThreadNotFoundError when the thread does not exist.
   * @throws ThreadBusyError when `rejectIfBusy` and the thread has an active run (API: 409).
   * @throws RunExistsError when the run id is taken.
   */
  create(input: NewRun, options?: { rejectIfBusy?: boolean }): Promise<RunRecord>;
  /**
   * The run, optionally checked to belong to `threadId`.
   * @throws RunNotFoundError
   */
  get(runId: string, threadId?: string): Promise<RunRecord>;
  /** Runs of a thread, newest first (`createdAt` desc, then id desc). `limit` default 10, `offset` default 0. */
  listByThread(
    threadId: string,
    options?: { limit?: number; offset?: number; status?: RunStatus },
  ): Promise<RunRecord[]>;
  /** Pending and running runs of a thread, oldest first (for multitask `interrupt`/`rollback`/`enqueue`). */
  listActive(threadId: string): Promise<RunRecord[]>;
  /** Runs with one of `statuses` on any thread, oldest first (`POST /runs/cancel` by status). */
  listByStatus(statuses: readonly RunStatus[]): Promise<RunRecord[]>;
  /**
   * Sets run fields and bumps `updatedAt`. Does not touch the thread (use `finish` to end a run).
   * @throws RunNotFoundError
   */
  update(runId: string, update: RunUpdate): Promise<RunRecord>;
  /**
   * Ends a run atomically: sets its final `status` (and clears the lease) and applies `thread` to its thread. While
   * another run of the thread is still pending/running the thread stays `busy` (values/interrupts/error still apply).
   * @throws RunNotFoundError
   * @throws DocumentTooLargeError when the thread state would exceed 16 MiB; nothing written (run unchanged).
   */
  finish(runId: string, status: RunStatus, thread: ThreadStateUpdate): Promise<RunRecord>;
  /**
   * Deletes one run. When it was the thread's last active run and the thread is `busy`, the thread becomes `idle`.
   * @throws RunNotFoundError
   */
  delete(runId: string, threadId?: string): Promise<void>;
}

/** An assistant (docs/api.md §4 "Assistant"). */
export interface AssistantRecord {
  assistantId: string;
  graphId: string;
  /** `{tags?, recursion_limit?, configurable?}` */
  config: JsonObject;
  context: JsonObject;
  createdAt: Date;
  updatedAt: Date;
  metadata: JsonObject;
  /**
   * The version the assistant serves (docs/api.md §3 "Assistant versions"): starts at 1; each `patch` writes a
   * new version (one above the highest ever written), `setLatest` may pin an older one.
   */
  version: number;
  name: string;
  description: string | null;
}

/**
 * One stored version of an assistant (docs/api.md §3 `POST /assistants/{id}/versions`): the fields a run uses, as
 * they were when that version was written. Versions are never changed or deleted while the assistant exists.
 */
export interface AssistantVersionRecord {
  assistantId: string;
  version: number;
  graphId: string;
  config: JsonObject;
  context: JsonObject;
  metadata: JsonObject;
  name: string;
  description: string | null;
  createdAt: Date;
}

/** Listing of an assistant's versions, newest (highest `version`) first. */
export interface AssistantVersionQuery {
  /** Containment on the version's metadata, same rules as `ThreadSearchQuery.metadata`. */
  metadata?: JsonObject;
  /** @default 10 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

/** Fields accepted when creating an assistant. `name` defaults to `graphId`, objects to `{}`. */
export interface NewAssistant {
  assistantId: string;
  graphId: string;
  config?: JsonObject;
  context?: JsonObject;
  metadata?: JsonObject;
  name?: string;
  description?: string | null;
}

/** Assistant search (docs/api.md §3 `POST /assistants/search`, `/count`). */
export interface AssistantSearchQuery {
  graphId?: string;
  /** Case-insensitive substring of `name` (matched literally, never as a regex). */
  name?: string;
  /** Containment, same rules as `ThreadSearchQuery.metadata`. */
  metadata?: JsonObject;
  /** An authorization filter on `metadata`, same rules as `ThreadSearchQuery.scope`. */
  scope?: JsonObject;
  /** @default 10 */
  limit?: number;
  /** @default 0 */
  offset?: number;
  /** @default "createdAt" */
  sortBy?: "assistantId" | "graphId" | "name" | "createdAt" | "updatedAt";
  /** @default "desc" */
  sortOrder?: SortOrder;
}

/** Assistants. */
export interface AssistantStore {
  /**
   * Creates an assistant (version 1). `ifExists: "do_nothing"` returns the existing one unchanged.
   * @throws AssistantExistsError when the id is taken and `ifExists` is `"raise"` (default).
   */
  create(input: NewAssistant, options?: { ifExists?: "raise" | "do_nothing" }): Promise<AssistantRecord>;
  /** @throws AssistantNotFoundError */
  get(assistantId: string): Promise<AssistantRecord>;
  /**
   * Replaces the given fields (`metadata` is shallow-merged), bumps `updatedAt` and writes a new version numbered
   * one above the highest written so far (even when an older one is pinned), which becomes the current one.
   * @throws AssistantNotFoundError
   */
  patch(
    assistantId: string,
    patch: Partial<
      Pick<NewAssistant, "graphId" | "config" | "context" | "metadata" | "name" | "description">
    >,
  ): Promise<AssistantRecord>;
  /** @throws AssistantNotFoundError */
  delete(assistantId: string): Promise<void>;
  /** A page of assistants; `total` ignores limit/offset. */
  search(query: AssistantSearchQuery): Promise<{ items: AssistantRecord[]; total: number }>;
  /** Number of assistants matching `graphId`/`name`/`metadata`. */
  count(query: Pick<AssistantSearchQuery, "graphId" | "name" | "metadata" | "scope">): Promise<number>;
  /**
   * The assistant's versions matching `query`, highest version first.
   * @throws AssistantNotFoundError when the assistant does not exist
   * @throws InvalidQueryError for a negative or fractional `limit`/`offset`
   */
  listVersions(assistantId: string, query: AssistantVersionQuery): Promise<AssistantVersionRecord[]>;
  /**
   * Pins `version`: the assistant's graph, config, context, metadata, name and description become that version's,
   * `version` becomes it and `updatedAt` is bumped (the document is rewritten, so change feeds see it).
   * @throws AssistantNotFoundError when the assistant does not exist
   * @throws AssistantVersionNotFoundError when it has no such version
   */
  setLatest(assistantId: string, version: number): Promise<AssistantRecord>;
}
