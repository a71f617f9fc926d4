/**
 * The thread stream (docs/api.md §7 "Thread stream", `GET /threads/{thread_id}/stream`): the events of a thread's
 * runs as they are logged, run after run in creation order, each run closed by a `metadata`
 * `{"status": "run_done", "run_id"}` event, until the caller leaves. It reads each run through the runtime's event
 * readers (`run-hub.ts`), so it works wherever the run executes; a run created on another replica is noticed from
 * the change stream (its first logged event or its document), and by a re-listing of the thread's runs every
 * `pollMs` while the stream is down (every 10 × `pollMs` while it is live, for runs that log nothing and for a
 * thread deleted before it had runs; a thread deleted with its runs is seen at once, from their deletes).
 *
 * Event ids are `<run_id>:<seq>` (`<run_id>:done` for the `run_done` event): `Last-Event-ID` resumes after that
 * event, replaying the rest of that run and every later run of the thread still in the event log; `-` replays
 * every run the thread has. Without it the stream is live: runs still active at the join continue from their
 * latest event, ended runs are not replayed.
 */
import type { JsonValue } from "../engine/index.js";
import { ThreadNotFoundError } from "../store/errors.js";
import { FINAL_RUN_STATUSES, type LoggedEvent } from "../store/queue-store.js";
import type { RunRecord, RunStore, ThreadStore } from "../store/records.js";
import type { RunSignals } from "./signals.js";

/** One event of a thread stream. */
export interface ThreadStreamEvent {
  runId: string;
  event: string;
  data: JsonValue;
  /** `<run_id>:<seq>` or `<run_id>:done` (see module doc). */
  id: string;
}

/** Where a resumed thread stream continues: after event `seq` of `runId`, after its end (`"done"`), or from the start. */
export type ThreadStreamCursor = { runId: string; seq: number | "done" } | "start";

/** While the change stream is live, an idle stream still re-lists every this many `pollMs` (runs that log nothing). */
const LIVE_RELIST_POLLS = 10;

/** Runs of a thread listed per re-listing (newest first, then taken oldest first). */
const LISTED_RUNS = 100;

/**
 * Parses a `Last-Event-ID` of the thread stream: `undefined` when absent or empty (live), `"start"` for `-`.
 * @returns `null` when malformed (the caller answers 422)
 */
export function parseThreadEventId(raw: string | null | undefined): ThreadStreamCursor | undefined | null {
  const text = raw?.trim() ?? "";
  if (text === "") return undefined;
  if (text === "-") return "start";
  const m = /^([0-9a-fA-F-]{36}):(\d+|done)$/.exec(text);
  if (!m) return null;
  return { runId: (m[1] as string).toLowerCase(), seq: m[2] === "done" ? "done" : Number(m[2]) };
}

/** What a thread stream reads. */
export interface ThreadStreamDeps {
  runs: Pick<RunStore, "listByThread">;
  threads: Pick<ThreadStore, "get">;
  signals: Pick<RunSignals, "onAnyRun" | "live">;
  /** The run's logged events after `afterSeq`, live until it ends (`RunRuntime.events`). */
  events(runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<LoggedEvent>;
  /** The run's last logged seq (−1 when none). */
  lastSeq(runId: string): Promise<number>;
  /** The re-listing interval while the change stream is down (`LOOM_POLL_MS`). */
  pollMs: number;
}

/**
 * The thread's events (see module doc). Ends when the thread is deleted; throws `signal.reason` when `signal`
 * aborts (the caller left, the deadline, shutdown). `onJoined` is called once the starting point is fixed: runs
 * created from then on are all streamed.
 * @throws ThreadNotFoundError when the thread does not exist at the start
 */
export async function* threadEvents(
  deps: ThreadStreamDeps,
  threadId: string,
  cursor: ThreadStreamCursor | undefined,
  signal: AbortSignal,
  onJoined?: () => void,
): AsyncGenerator<ThreadStreamEvent> {
  const { runs, threads, signals } = deps;
  await threads.get(threadId);
  const list = async (): Promise<RunRecord[]> =>
    (await runs.listByThread(threadId, { limit: LISTED_RUNS })).reverse();

  // Wake-ups: a change of a run this stream does not know may be a new run of the thread.
  const known = new Set<string>();
  const foreign = new Set<string>();
  const suspects = new Set<string>();
  let dirty = false;
  let wake: (() => void) | undefined;
  const unlisten = signals.onAnyRun((change) => {
    if (foreign.has(change.runId)) return;
    // A known run's events are its reader's business; its document changing (deleted with the thread) is ours.
    if (known.has(change.runId) && !change.runDocument) return;
    suspects.add(change.runId);
    dirty = true;
    wake?.();
  });

  let soon = false;
  const done = new Set<string>();
  const startAfter = new Map<string, number>();
  try {
    let listed = await list();
    for (const r of listed) known.add(r.runId);
    const at = typeof cursor === "object" ? listed.findIndex((r) => r.runId === cursor.runId) : -1;
    if (cursor === "start") {
      // Replay all: every listed run from its first event.
    } else if (typeof cursor === "object" && at >= 0) {
      for (const r of listed.slice(0, at)) done.add(r.runId);
      if (cursor.seq === "done") done.add(cursor.runId);
      else startAfter.set(cursor.runId, cursor.seq);
    } else {
      // Live (or a cursor whose run is gone): ended runs are past, active ones continue from their latest event.
      for (const r of listed) {
        if (FINAL_RUN_STATUSES.includes(r.status)) done.add(r.runId);
        else startAfter.set(r.runId, await deps.lastSeq(r.runId));
      }
    }
    onJoined?.();

    for (;;) {
      signal.throwIfAborted();
      const next = listed.find((r) => !done.has(r.runId));
      if (next) {
        const { runId } = next;
        for await (const e of deps.events(runId, startAfter.get(runId) ?? -1, signal)) {
          yield { runId, event: e.event, data: e.data, id: `${runId}:${e.seq}` };
        }
        done.add(runId);
        yield { runId, event: "metadata", data: { status: "run_done", run_id: runId }, id: `${runId}:done` };
        continue;
      }
      if (!dirty) await idle(signal);
      dirty = false;
      const seen = [...suspects];
      suspects.clear();
      const before = listed.length;
      listed = await list();
      // Runs gone (the thread's delete removes them before the thread): look again soon, not a long interval later.
      soon = listed.length < before;
      for (const r of listed) known.add(r.runId);
      if (foreign.size > 10_000) foreign.clear();
      for (const id of seen) if (!known.has(id)) foreign.add(id);
      // A deleted thread has no runs left: its stream ends.
      if (listed.length === 0) {
        try {
          await threads.get(threadId);
        } catch (error) {
          if (error instanceof ThreadNotFoundError) return;
          throw error;
        }
      }
    }
  } finally {
    unlisten();
  }

  /** Waits for a wake-up, the next re-listing interval, or `signal`. */
  async function idle(abort: AbortSignal): Promise<void> {
    const timeoutMs = signals.live() && !soon ? LIVE_RELIST_POLLS * deps.pollMs : deps.pollMs;
    await new Promise<void>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        abort.removeEventListener("abort", onAbort);
        wake = undefined;
      };
      const onAbort = () => {
        finish();
        reject(abort.reason);
      };
      const timer = setTimeout(() => {
        finish();
        resolve();
      }, timeoutMs);
      wake = () => {
        finish();
        resolve();
      };
      abort.addEventListener("abort", onAbort, { once: true });
    });
  }
}
