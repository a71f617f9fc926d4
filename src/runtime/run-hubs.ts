/**
 * The run hubs of one process (`run-hub.ts`): one hub per run that has local waiters, created by the
 * first and closed when the last leaves, and the process's one fallback poll. While the change stream is live
 * (`RunSignals.live`) nothing polls: every change of another replica arrives on it. While it is down, or before
 * it first answered, one timer per process probes every run with waiters every `pollMs` — one `find` on `runs`
 * (`$in`) and, when readers wait at a log's head, one aggregate on `run_events` — and wakes only the hubs whose
 * run changed. When the stream comes back, every hub re-reads once (what changed in the gap is not replayed).
 */
import type { RunEventStore, RunQueueStore } from "../store/queue-store.js";
import { createRunHub, type RunHub, type RunHubDeps } from "./run-hub.js";

/** What the hubs and the fallback poll read. */
export interface RunHubsDeps extends RunHubDeps {
  queue: Pick<RunQueueStore, "output" | "watch" | "statuses">;
  events: Pick<RunEventStore, "read" | "lastSeqs">;
  /** Interval of the fallback poll while the change stream is down (`LOOM_POLL_MS`). */
  pollMs: number;
  /** Hears a failed probe (it is retried at the next interval). */
  onError?: (error: unknown) => void;
}

/** A hub lent to one waiter: `release` exactly once when it is done. */
export interface HeldHub {
  hub: RunHub;
  release(): void;
}

/** The registry. */
export interface RunHubs {
  /** The hub of `runId` (created if none), held until `release`. */
  acquire(runId: string): HeldHub;
  /** Runs with a hub now (0 once every waiter left). */
  size(): number;
  /** Stops the fallback poll and the live listener (runtime shutdown). */
  close(): void;
}

/** Creates the registry. */
export function createRunHubs(deps: RunHubsDeps): RunHubs {
  const { signals, queue, events, pollMs } = deps;
  const hubs = new Map<string, { hub: RunHub; refs: number }>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function schedule(): void {
    if (timer || closed || signals.live() || hubs.size === 0) return;
    timer = setTimeout(() => void probe(), pollMs);
  }

  /** One probe for all hubs with waiters: wakes those whose run's status or last seq differs from theirs. */
  async function probe(): Promise<void> {
    const waiting = [...hubs.values()].map((h) => h.hub).filter((hub) => hub.waiting());
    try {
      if (waiting.length > 0 && !signals.live()) {
        const reading = waiting.filter((hub) => hub.known().readersAt < Infinity).map((hub) => hub.runId);
        const [statuses, seqs] = await Promise.all([
          queue.statuses(waiting.map((hub) => hub.runId)),
          reading.length > 0 ? events.lastSeqs(reading) : new Map<string, number>(),
        ]);
        for (const hub of waiting) {
          const known = hub.known();
          const document = statuses.get(hub.runId) !== known.status;
          const appended = (seqs.get(hub.runId) ?? -1) > known.readersAt;
          if (document || appended) hub.poke({ events: appended || document, document });
        }
      }
    } catch (error) {
      deps.onError?.(error);
    } finally {
      timer = undefined;
      schedule();
    }
  }

  const unlisten = signals.onLive((live) => {
    if (!live) return schedule();
    clearTimeout(timer);
    timer = undefined;
    for (const { hub } of hubs.values()) hub.poke({ events: true, document: true });
  });

  return {
    acquire(runId) {
      let entry = hubs.get(runId);
      if (!entry) {
        entry = { hub: createRunHub(deps, runId), refs: 0 };
        hubs.set(runId, entry);
        schedule();
      }
      const held = entry;
      held.refs++;
      let released = false;
      return {
        hub: held.hub,
        release() {
          if (released) return;
          released = true;
          if (--held.refs > 0) return;
          held.hub.close();
          if (hubs.get(runId) === held) hubs.delete(runId);
        },
      };
    },

    size: () => hubs.size,

    close() {
      closed = true;
      unlisten();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
