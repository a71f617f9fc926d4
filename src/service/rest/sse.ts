/**
 * Server-sent events framing for streamed runs (docs/api.md §7, DESIGN.md "SSE"): `event:` first, one compact
 * `data:` line, `id:` when the part has one, a blank line; `: heartbeat` comment lines while idle; no `end` event.
 */

/** One SSE event. */
export interface SseEvent {
  event: string;
  /** Any JSON value; serialised compactly on one line. */
  data: unknown;
  /** Event id; omitted from the frame when empty. */
  id?: string;
}

/** Frames one event: `event: <name>\ndata: <json>\nid: <id>\n\n`. */
export function formatSseEvent(e: SseEvent): string {
  const data = JSON.stringify(e.data === undefined ? null : e.data);
  const id = e.id ? `id: ${e.id}\n` : "";
  return `event: ${e.event}\ndata: ${data}\n${id}\n`;
}

/**
 * The heartbeat: a comment line with no blank line after it. A blank line would end an (empty) event, and the
 * JS SDK's decoder dispatches one whenever it has seen an `id:` before (it never forgets the last id), so every
 * heartbeat after an event with an id would reach SDK users as `{event: "", data: null}`.
 */
export const SSE_HEARTBEAT = ": heartbeat\n";

/** Response headers of an SSE stream. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};
