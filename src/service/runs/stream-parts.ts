/**
 * Logged run events as `StreamPart`s (docs/api.md §7): conversion (once per event), the `metadata` part a stream
 * answers itself, stream-mode filtering for join-stream and `Last-Event-ID` resumption.
 */
import { create } from "@bufbuild/protobuf";
import { StreamPartSchema } from "../../../gen/ts/loom/v1/runs_pb.js";
import type { LoggedEvent } from "../../store/queue-store.js";
import { valueFromJson } from "../convert.js";

/**
 * The parts of logged events: a run's hub hands the same event object to every local reader (`run-hub.ts`), so
 * it is converted once per event, not once per stream (the REST bridge formats it once too). Parts are read only.
 */
const parts = new WeakMap<LoggedEvent, ReturnType<typeof convertPart>>();

function convertPart(e: LoggedEvent) {
  // A subgraph's event is named `<mode>|<namespace>` (docs/api.md §7); gRPC clients also get the namespace alone.
  const bar = e.event.indexOf("|");
  return create(StreamPartSchema, {
    event: e.event,
    data: valueFromJson(e.data),
    id: String(e.seq),
    ...(bar >= 0 ? { namespace: e.event.slice(bar + 1) } : {}),
  });
}

/** The `StreamPart` of a logged event: `id` is its seq, `namespace` the subgraph's (empty at the root). */
export function toPart(e: LoggedEvent) {
  let part = parts.get(e);
  if (!part) {
    part = convertPart(e);
    parts.set(e, part);
  }
  return part;
}

/** The `metadata` part a stream sends itself before the run's events: `{run_id, attempt}`, with `id` `""`. */
export function metadataPart(run: { runId: string; attempt: number }) {
  return create(StreamPartSchema, {
    event: "metadata",
    data: valueFromJson({ run_id: run.runId, attempt: run.attempt }),
    id: "",
  });
}

/** The stream mode that produces an event: `messages` ← `messages-tuple`, `messages/*` ← `messages` (docs/api.md §7). */
export function requestModeOf(event: string): string {
  if (event === "messages") return "messages-tuple";
  return event.startsWith("messages/") ? "messages" : event;
}

/**
 * A run's logged events after the `metadata` part this answer sent itself (docs/api.md §7: one `metadata`, then one
 * event per engine event): a run that had not started yet logs its own `metadata` first, and that one is dropped.
 */
export async function* afterOwnMetadata(events: AsyncIterable<LoggedEvent>): AsyncGenerator<LoggedEvent> {
  let first = true;
  for await (const e of events) {
    if (!(first && e.event === "metadata")) yield e;
    first = false;
  }
}

/** `Last-Event-ID` as a seq: events after it are replayed (`-1`: all); `undefined` when absent or malformed. */
export function lastEventId(headers: Headers): number | undefined {
  const raw = headers.get("last-event-id");
  if (raw === null || raw.trim() === "" || !/^-?\d+$/.test(raw.trim())) return undefined;
  return Math.max(-1, Number(raw.trim()));
}
