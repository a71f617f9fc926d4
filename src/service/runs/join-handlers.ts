/**
 * The RunsService handlers that watch an existing run (docs/api.md §6–§7): `join` waits for its end, `joinStream`
 * streams its logged events, resuming after `Last-Event-ID`.
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { type RunsService, WaitRunResponseSchema } from "../../../gen/ts/loom/v1/runs_pb.js";
import { runToProto } from "../convert.js";
import { acceptLongPoll } from "../stream-open.js";
import { requireUuid } from "../validate.js";
import type { RunsServiceDeps } from "./deps.js";
import type { RunStarter } from "./start.js";
import { afterOwnMetadata, lastEventId, metadataPart, requestModeOf, toPart } from "./stream-parts.js";

type Handlers = ServiceImpl<typeof RunsService>;

/**
 * `join` and `joinStream`. A join only watches: at the deadline (or disconnect) it stops and the run goes on,
 * unless `cancel_on_disconnect` asks a join-stream to cancel it. Without `Last-Event-ID` a join-stream starts with
 * its own `metadata` part and goes on live from the run's last logged event; with it, it replays what followed.
 * `stream_mode` filters by the mode that produced each event (`error` and `metadata` always pass; empty: all).
 * @throws InvalidInputError (ids not UUIDs), RunNotFoundError
 */
export function runJoinHandlers(
  { runs, runtime }: RunsServiceDeps,
  starter: RunStarter,
): Pick<Handlers, "join" | "joinStream"> {
  return {
    async join(req, ctx) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      await runs.get(req.runId, req.threadId);
      acceptLongPoll(ctx);
      const finished = await runtime.waitFor(req.runId, ctx.signal);
      return create(WaitRunResponseSchema, { values: finished.waitBody, run: runToProto(finished.run) });
    },

    async *joinStream(req, ctx) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const run = await runs.get(req.runId, req.threadId);
      const resumeAfter = lastEventId(ctx.requestHeader);
      const after = resumeAfter ?? (await runtime.lastSeq(run.runId));
      if (resumeAfter === undefined) yield metadataPart(run);
      const detach = req.cancelOnDisconnect
        ? starter.cancelOnAbort(ctx, run.runId, run.threadId)
        : () => undefined;
      try {
        // `stream_mode=` (empty, as the Python SDK's `join_stream()` sends it) means every mode, as langgraph-api.
        const modes = new Set(req.streamMode.filter((m) => m !== ""));
        const logged = runtime.events(run.runId, after, ctx.signal);
        for await (const e of resumeAfter === undefined ? afterOwnMetadata(logged) : logged) {
          const mode = requestModeOf(e.event.split("|")[0] as string);
          if (modes.size === 0 || modes.has(mode) || e.event === "error" || e.event === "metadata") {
            yield toPart(e);
          }
        }
      } finally {
        detach();
      }
    },
  };
}
