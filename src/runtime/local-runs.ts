/**
 * The runs executing in this process, by id: those the worker pool claimed and those a waiting or streaming caller
 * created here and could start at once (docs/runs.md). A run leaves the set when its execution ends.
 */
import type { RunRecord } from "../store/records.js";
import { type ExecuteOptions, type Execution, executeRun, type StopReason } from "./execute.js";
import type { RuntimeDeps } from "./types.js";

/** The executions of this process. */
export interface LocalRuns {
  /**
   * Executes `record` here. A failure of a run without a plan (claimed from the queue, nobody waiting here) goes
   * to `deps.onError`; one with a plan is the caller's, through `done`.
   */
  execute(record: RunRecord, options?: ExecuteOptions): Execution;
  /** The execution of `runId` here, if any. */
  get(runId: string): Execution | undefined;
  /** Ids of the runs executing here. */
  ids(): string[];
  /** How many runs execute here. */
  size(): number;
  /** Resolves when every execution here now has ended (failures ignored). */
  settled(): Promise<void>;
  /** Stops every execution here with `reason`. */
  stopAll(reason: StopReason): void;
}

/** Creates the empty set of executions. */
export function createLocalRuns(deps: RuntimeDeps): LocalRuns {
  const local = new Map<string, Execution>();
  return {
    execute(record, options = {}) {
      const plan = options.plan;
      const execution = executeRun(deps, record, options);
      local.set(record.runId, execution);
      execution.done.then(
        () => local.delete(record.runId),
        (error: unknown) => {
          local.delete(record.runId);
          if (!plan) deps.onError?.(error, record.runId);
        },
      );
      return execution;
    },
    get: (runId) => local.get(runId),
    ids: () => [...local.keys()],
    size: () => local.size,
    settled: async () => {
      await Promise.all([...local.values()].map((e) => e.done.catch(() => undefined)));
    },
    stopAll(reason) {
      for (const execution of local.values()) execution.stop(reason);
    },
  };
}
