/**
 * A MongoDB change stream feeding the runtime's signal bus (`src/runtime/signals.ts`): deletes of runs, inserts of
 * runs not created `running`, a run back to `pending`, the end of a run someone on another replica waits for
 * (`end_watched`), cancel requests, inserts into `run_events`, and (with `assistants`) every change of an
 * assistant, for the assistant cache. Lease renewals, claims, runs created already running and unwatched ends are
 * filtered out on the server: each event costs a `getMore` and its decoding in every replica, and a wait answered
 * by the process that ran it concerns nobody else, so it produces no event at all. When the stream fails or ends (e.g. `mongod` restarts, the database is dropped) it is reopened after
 * `retryMs`; it reports itself down meanwhile (`status`), so the runtime's fallback poll takes over, and the assistant cache reads through, so a gap costs latency, never
 * correctness. A reopen starts after the last resume token seen (`startAfter`), so after an election that outlasted
 * the driver's own single resume nothing is skipped either (`startAfter` also continues past an invalidate, e.g. of
 * a dropped database); a token the oplog no longer holds is dropped and the stream opens from now.
 */
import { type ChangeStream, type Db, type Document, MongoServerError, type ResumeToken } from "mongodb";
import type { AssistantCache } from "../assistant-cache.js";
import type { ChangeWatcher, RunChange } from "../change-feed.js";
import { COLLECTIONS, type CollectionNames } from "./collections.js";

/**
 * Server codes after which a stream cannot continue from its token: ChangeStreamHistoryLost (286), InvalidResumeToken
 * (260), ChangeStreamFatalError (280).
 */
const TOKEN_LOST_CODES = new Set([260, 280, 286]);

/** Options of {@link createMongoChangeWatcher}. */
export interface MongoChangeWatcherOptions {
  /** @default COLLECTIONS */
  names?: CollectionNames;
  /** Delay before a failed or ended stream is reopened, in ms. @default 1000 */
  retryMs?: number;
  /** Hears each stream failure (for logging). */
  onError?: (error: unknown) => void;
  /** Hears each reopen scheduled after the stream failed, ended or could not be opened (for metrics). */
  onReopen?: () => void;
  /**
   * An assistant cache this stream keeps consistent: attached once the stream's first response arrived, told of
   * every change of the assistants collection, detached while the stream is down (`assistant-cache.ts`).
   */
  assistants?: Pick<AssistantCache, "attach" | "detach" | "invalidate">;
}

/** Creates the watcher over `db`. */
export function createMongoChangeWatcher(db: Db, options: MongoChangeWatcherOptions = {}): ChangeWatcher {
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
              // Back in the queue (released): work for any worker. A claim (→ running) wakes nobody.
              { "updateDescription.updatedFields.status": "pending" },
              // An end someone on another replica waits for (`RunQueueStore.watch`); other ends concern only
              // the process that ran the run, which learns of them locally.
              { "updateDescription.updatedFields.end_watched": true },
              { "updateDescription.updatedFields.cancel_requested": { $exists: true } },
            ],
          },
          { "ns.coll": names.run_events, operationType: "insert" },
          ...(options.assistants ? [{ "ns.coll": names.assistants }] : []),
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
        "updateDescription.updatedFields.end_watched": 1,
      },
    },
  ];
  return (emit: (change: RunChange) => void, status?: (live: boolean) => void) => {
    let stream: ChangeStream | undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    // The last position seen (each event's and each empty batch's token): a reopen continues from there.
    let token: ResumeToken | undefined;
    const open = () => {
      if (stopped) return;
      try {
        stream = db.watch(pipeline, token !== undefined ? { startAfter: token } : {});
      } catch (error) {
        options.onError?.(error);
        options.onReopen?.();
        timer = setTimeout(open, retryMs);
        return;
      }
      // The first resume token comes with the server's answer to the opening `aggregate`: from then on no
      // change is missed (the driver's own resumes continue from the token, losing nothing).
      let live = false;
      stream.on("resumeTokenChanged", (next: ResumeToken) => {
        token = next;
        if (live) return;
        live = true;
        options.assistants?.attach();
        status?.(true);
      });
      stream.on("change", (c: Document) => {
        if (c.ns?.coll === names.assistants) {
          const id = c.documentKey?._id;
          // drop/rename/invalidate name no document: anything may have changed.
          options.assistants?.invalidate(typeof id === "string" ? id : null);
        } else if (c.ns?.coll === names.run_events) {
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
        if (
          error instanceof MongoServerError &&
          typeof error.code === "number" &&
          TOKEN_LOST_CODES.has(error.code)
        )
          token = undefined;
        options.assistants?.detach();
        status?.(false);
        void current.close().catch(() => undefined);
        if (stopped) return;
        if (error !== undefined) options.onError?.(error);
        options.onReopen?.();
        timer = setTimeout(open, retryMs);
      };
      current.on("error", (error) => reopen(error));
      current.on("close", () => reopen());
    };
    open();
    return async () => {
      stopped = true;
      options.assistants?.detach();
      status?.(false);
      if (timer) clearTimeout(timer);
      await stream?.close().catch(() => undefined);
    };
  };
}
