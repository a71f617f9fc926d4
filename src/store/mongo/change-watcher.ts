/**
 * A MongoDB change stream feeding the runtime's signal bus (`src/runtime/signals.ts`): deletes of runs, inserts of
 * runs not created `running`, updates of a run's `status` (except to `running`) or `cancel_requested`, and inserts
 * into `run_events`. Lease renewals, claims and runs created already running are filtered out on the server: each
 * event costs a `getMore` and its decoding in every replica, and a run a waiting caller executes at once then
 * produces one event (its end) instead of two. When the stream fails or ends (e.g. `mongod` restarts, the database is dropped) it is reopened
 * after `retryMs`; waiters poll meanwhile, so a gap costs latency, never correctness.
 */
import type { ChangeStream, Db, Document } from "mongodb";
import type { ChangeWatcher, RunChange } from "../../runtime/signals.js";
import { COLLECTIONS, type CollectionNames } from "./collections.js";

/** Creates the watcher over `db`. `onError` hears each stream failure (for logging). */
export function createMongoChangeWatcher(
  db: Db,
  options: { names?: CollectionNames; retryMs?: number; onError?: (error: unknown) => void } = {},
): ChangeWatcher {
  const names = options.names ?? COLLECTIONS;
  const retryMs = options.retryMs ?? 1000;
  const pipeline: Document[] = [
    {
      $match: {
        $or: [
          { "ns.coll": names.runs, operationType: "delete" },
          // A run created already `running` (claimed by the process that created it) concerns no other
          // process: nobody waits on a run before it exists and no worker can take it.
          { "ns.coll": names.runs, operationType: "insert", "fullDocument.status": { $ne: "running" } },
          {
            "ns.coll": names.runs,
            operationType: "update",
            $or: [
              // A claim (→ running) wakes nobody: waiters wait for an end, workers for `pending`.
              { "updateDescription.updatedFields.status": { $exists: true, $ne: "running" } },
              { "updateDescription.updatedFields.cancel_requested": { $exists: true } },
            ],
          },
          { "ns.coll": names.run_events, operationType: "insert" },
        ],
      },
    },
    {
      $project: {
        ns: 1,
        operationType: 1,
        documentKey: 1,
        "fullDocument.run_id": 1,
        "fullDocument.status": 1,
        "updateDescription.updatedFields.status": 1,
        "updateDescription.updatedFields.cancel_requested": 1,
      },
    },
  ];
  return (emit: (change: RunChange) => void) => {
    let stream: ChangeStream | undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const open = () => {
      if (stopped) return;
      try {
        stream = db.watch(pipeline);
      } catch (error) {
        options.onError?.(error);
        timer = setTimeout(open, retryMs);
        return;
      }
      stream.on("change", (c: Document) => {
        if (c.ns?.coll === names.run_events) {
          const runId = c.fullDocument?.run_id;
          if (typeof runId === "string") emit({ runId, runDocument: false });
        } else if (typeof c.documentKey?._id === "string") {
          const cancel = c.updateDescription?.updatedFields?.cancel_requested;
          const status =
            c.operationType === "insert"
              ? c.fullDocument?.status
              : c.updateDescription?.updatedFields?.status;
          emit({
            runId: c.documentKey._id,
            runDocument: true,
            ...(cancel === "interrupt" || cancel === "rollback" ? { cancel } : {}),
            ...(status === "pending" ? { work: true } : {}),
          });
        }
      });
      const current = stream;
      // Reopen once when this stream fails or ends (e.g. invalidated by a dropped database).
      const reopen = (error?: unknown) => {
        if (stream !== current) return;
        stream = undefined;
        void current.close().catch(() => undefined);
        if (stopped) return;
        if (error !== undefined) options.onError?.(error);
        timer = setTimeout(open, retryMs);
      };
      current.on("error", (error) => reopen(error));
      current.on("close", () => reopen());
    };
    open();
    return async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await stream?.close().catch(() => undefined);
    };
  };
}
