/**
 * Errors of the storage layer. One base class (`StoreError`) with small subclasses that carry structured fields,
 * so the service layer maps them to statuses in one place (style.md habit 3). Suggested mapping in each docstring.
 * `CheckpointConflictError` (a taken checkpoint id) lives with the engine's interface in `src/engine/store.ts`.
 */

/** Base class of every storage error; `name` is the class name. */
export class StoreError extends Error {}

/** No thread with this id (HTTP 404, Connect NotFound). */
export class ThreadNotFoundError extends StoreError {
  override readonly name = "ThreadNotFoundError";
  constructor(readonly threadId: string) {
    super(`Thread with ID ${threadId} not found`);
  }
}

/** A thread with this id already exists (HTTP 409, Connect AlreadyExists). */
export class ThreadExistsError extends StoreError {
  override readonly name = "ThreadExistsError";
  constructor(readonly threadId: string) {
    super("Thread already exists");
  }
}

/**
 * The thread has a pending or running run (HTTP 409, Connect FailedPrecondition). `activeRunIds` lists them,
 * oldest first, when known.
 */
export class ThreadBusyError extends StoreError {
  override readonly name = "ThreadBusyError";
  constructor(
    readonly threadId: string,
    readonly activeRunIds: string[] = [],
  ) {
    super(
      "Thread is already running a task. Wait for it to finish or choose a different multitask strategy.",
    );
  }
}

/** No run with this id (in this thread, when one was given) (HTTP 404). */
export class RunNotFoundError extends StoreError {
  override readonly name = "RunNotFoundError";
  constructor(
    readonly runId: string,
    readonly threadId?: string,
  ) {
    super("Run not found");
  }
}

/** A run with this id already exists (HTTP 409). */
export class RunExistsError extends StoreError {
  override readonly name = "RunExistsError";
  constructor(readonly runId: string) {
    super(`Run ${runId} already exists`);
  }
}

/** No cron with this id (HTTP 404, docs/crons.md). */
export class CronNotFoundError extends StoreError {
  override readonly name = "CronNotFoundError";
  constructor(readonly cronId: string) {
    super(`Cron ${cronId} not found`);
  }
}

/** No assistant with this id (HTTP 404). */
export class AssistantNotFoundError extends StoreError {
  override readonly name = "AssistantNotFoundError";
  constructor(readonly assistantId: string) {
    super(`Assistant ${assistantId} not found`);
  }
}

/** The assistant exists but has no such version (HTTP 404, the Python server's message). */
export class AssistantVersionNotFoundError extends StoreError {
  override readonly name = "AssistantVersionNotFoundError";
  constructor(
    readonly assistantId: string,
    readonly version: number,
  ) {
    super(`Version ${version} not found for assistant ${assistantId}`);
  }
}

/** An assistant with this id already exists (HTTP 409). */
export class AssistantExistsError extends StoreError {
  override readonly name = "AssistantExistsError";
  constructor(readonly assistantId: string) {
    super("Assistant already exists");
  }
}

/**
 * A document would exceed MongoDB's 16 MiB BSON limit (`limitBytes`). `what` names it (e.g. `checkpoint 1f…`);
 * `sizeBytes` is its encoded size when known (a parent document that its pending writes would outgrow reports
 * `undefined`). `outcome` says what was written (default "nothing was written"). HTTP 422 / Connect
 * InvalidArgument: the state is too large.
 */
export class DocumentTooLargeError extends StoreError {
  override readonly name = "DocumentTooLargeError";
  constructor(
    readonly what: string,
    readonly sizeBytes: number | undefined,
    readonly limitBytes: number,
    readonly outcome = "nothing was written",
  ) {
    super(
      `${what} ${sizeBytes === undefined ? "would grow" : `is ${sizeBytes} bytes encoded,`} over the ` +
        `${limitBytes}-byte MongoDB document limit; ${outcome}`,
    );
  }
}

/**
 * A checkpoint whose id does not sort strictly after its parent's id (docs/semantics.md §8.4): history and head
 * selection would break. Nothing was written. A programming error in the engine (HTTP 500).
 */
export class CheckpointOrderError extends StoreError {
  override readonly name = "CheckpointOrderError";
  constructor(
    readonly checkpointId: string,
    readonly parentCheckpointId: string,
  ) {
    super(`checkpoint id ${checkpointId} does not sort after its parent ${parentCheckpointId}`);
  }
}

/** A query argument the store refuses (bad limit, non-object filter, …); `field` names it (HTTP 422). */
export class InvalidQueryError extends StoreError {
  override readonly name = "InvalidQueryError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * A write of a run's execution refused by the lease fence (docs/runs.md "Leases"): the run is no longer `running`
 * under the holder (owner and attempt) that sent it, or its lease has expired. Nothing of the write is stored; the
 * execution must stop at once (another worker owns the run, or will reclaim it). Never reaches a client.
 */
export class LeaseRefusedError extends StoreError {
  override readonly name = "LeaseRefusedError";
  constructor(
    readonly runId: string,
    readonly attempt: number,
  ) {
    super(`run ${runId}: attempt ${attempt} no longer holds the lease; write refused`);
  }
}
