/**
 * `ThreadsService.Stream` (docs/api.md §7 "Thread stream", `GET /threads/{thread_id}/stream`): the thread's run
 * events from `RunRuntime.threadEvents`, filtered by `stream_mode` as langgraph-api filters them: `run_modes`
 * passes every run event, `lifecycle` the `metadata` parts that open (`{run_id, attempt}`) and close
 * (`{status: "run_done"}`) each run, `state_update` thread-level state updates (Loom logs none).
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { StreamPartSchema } from "../../../gen/ts/loom/v1/runs_pb.js";
import type { StreamThreadRequest } from "../../../gen/ts/loom/v1/threads_pb.js";
import type { RunRuntime } from "../../runtime/runtime.js";
import { parseThreadEventId, type ThreadStreamEvent } from "../../runtime/thread-stream.js";
import type { ThreadStore } from "../../store/records.js";
import { valueFromJson } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { openStream } from "../stream-open.js";
import { requireUuid } from "../validate.js";

/** The modes a thread stream accepts (langgraph-api `ThreadStreamMode`). */
export const THREAD_STREAM_MODES = ["run_modes", "lifecycle", "state_update"] as const;
type ThreadStreamMode = (typeof THREAD_STREAM_MODES)[number];

/**
 * The requested modes: `stream_mode` and `stream_modes`, comma-separated values split; default `run_modes`.
 * @throws InvalidInputError naming an unknown mode
 */
export function parseThreadStreamModes(req: Pick<StreamThreadRequest, "streamMode" | "streamModes">) {
  const raw = [...req.streamMode, ...req.streamModes].flatMap((m) => m.split(",")).map((m) => m.trim());
  const given = raw.filter((m) => m !== "");
  for (const mode of given) {
    if (!(THREAD_STREAM_MODES as readonly string[]).includes(mode)) {
      throw new InvalidInputError(`Invalid stream mode: ${mode}`, "stream_mode");
    }
  }
  return new Set<ThreadStreamMode>(given.length > 0 ? (given as ThreadStreamMode[]) : ["run_modes"]);
}

/** Whether `e` passes the modes (langgraph-api's `should_filter_event`, inverted). */
function passes(modes: ReadonlySet<ThreadStreamMode>, e: ThreadStreamEvent): boolean {
  if (modes.has("run_modes") && e.event !== "state_update") return true;
  if (modes.has("state_update") && e.event === "state_update") return true;
  if (modes.has("lifecycle") && e.event === "metadata") {
    const data = e.data;
    if (typeof data === "object" && data !== null && !Array.isArray(data)) {
      if (data.status === "run_done") return true;
      if ("attempt" in data && "run_id" in data) return true;
    }
  }
  return false;
}

/** Creates the Stream handler. */
export function createThreadStream(deps: {
  runtime: Pick<RunRuntime, "threadEvents">;
  threads: Pick<ThreadStore, "get">;
}) {
  return async function* stream(req: StreamThreadRequest, ctx: HandlerContext) {
    const threadId = requireUuid(req.threadId, "thread_id");
    const modes = parseThreadStreamModes(req);
    const header = ctx.requestHeader.get("last-event-id");
    const raw = header !== null && header.trim() !== "" ? header : req.lastEventId;
    const cursor = parseThreadEventId(raw);
    if (cursor === null) {
      throw new InvalidInputError(
        `Invalid last-event-id: must be "<run_id>:<seq>", "<run_id>:done" or "-", got "${raw}"`,
        "last_event_id",
      );
    }
    await deps.threads.get(threadId);
    // Valid: the SSE answer starts now, though the thread may stay idle until its next run.
    openStream(ctx);
    for await (const e of deps.runtime.threadEvents(threadId, cursor, ctx.signal)) {
      if (passes(modes, e))
        yield create(StreamPartSchema, { event: e.event, data: valueFromJson(e.data), id: e.id });
    }
  };
}
