/**
 * `DELETE /assistants/{id}?delete_threads=true` (docs/api.md §3 "Assistants", as langgraph-api): the threads whose
 * `metadata.assistant_id` is the assistant are deleted with their runs, checkpoints and stream events. A busy
 * thread is not refused: its pending and running runs are cancelled (`interrupt`, waiting until they stopped, on
 * whichever replica they execute), then it is deleted, as langgraph-api cancels the assistant's in-flight runs.
 */
import type { RunRuntime } from "../../runtime/runtime.js";
import { RunNotFoundError, ThreadNotFoundError } from "../../store/errors.js";
import type { RunEventStore } from "../../store/queue-store.js";
import type { RunStore, ThreadSearchQuery, ThreadStore } from "../../store/records.js";

/** What the cascade needs. */
export interface DeleteThreadsDeps {
  threads: Pick<ThreadStore, "search" | "delete">;
  runs: Pick<RunStore, "listActive" | "listByThread">;
  events: Pick<RunEventStore, "deleteRuns">;
  runtime: Pick<RunRuntime, "cancel">;
}

/** Threads read per page of the search. */
const PAGE = 500;
/** Runs listed per thread to find their events. */
const RUNS_PER_THREAD = 10_000;

/**
 * Deletes the assistant's threads (see module doc); returns how many were deleted. `scope` (the caller's
 * `threads:delete` authorization filter, `scopeOf`) narrows the threads as a search would.
 */
export async function deleteAssistantThreads(
  deps: DeleteThreadsDeps,
  assistantId: string,
  scope: Pick<ThreadSearchQuery, "scope">,
): Promise<number> {
  const ids: string[] = [];
  // The whole list first: deleting while paging would shift the pages.
  for (let offset = 0; ; offset += PAGE) {
    const page = await deps.threads.search({
      metadata: { assistant_id: assistantId },
      ...scope,
      limit: PAGE,
      offset,
    });
    ids.push(...page.items.map((t) => t.threadId));
    if (page.items.length < PAGE) break;
  }
  let deleted = 0;
  for (const threadId of ids) {
    for (const run of await deps.runs.listActive(threadId)) {
      await deps.runtime.cancel(run.runId, threadId, "interrupt", true).catch((error: unknown) => {
        if (!(error instanceof RunNotFoundError)) throw error;
      });
    }
    const runIds = (await deps.runs.listByThread(threadId, { limit: RUNS_PER_THREAD })).map((r) => r.runId);
    try {
      await deps.threads.delete(threadId);
      deleted++;
    } catch (error) {
      if (!(error instanceof ThreadNotFoundError)) throw error;
    }
    await deps.events.deleteRuns(runIds);
  }
  return deleted;
}
