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

/** Something a heartbeat is written to (an SSE response). */
export interface HeartbeatTarget {
  write(chunk: string): unknown;
}

/** One timer for the heartbeats of every open SSE stream (see {@link createSseHeartbeats}). */
export interface SseHeartbeats {
  /** Writes {@link SSE_HEARTBEAT} to `target` at every beat until the returned function is called. */
  add(target: HeartbeatTarget): () => void;
  /** Streams beating now. */
  size(): number;
}

/**
 * The heartbeats of all SSE streams on one timer, running only while a stream is open: a timer per stream made
 * the idle CPU of 10,000 streams grow with their number (docs/benchmarks.md "Idle streams"). A stream's first beat
 * comes within `intervalMs` of its start, then one every `intervalMs`.
 *
 * @param intervalMs time between beats in milliseconds
 */
export function createSseHeartbeats(intervalMs: number): SseHeartbeats {
  const targets = new Set<HeartbeatTarget>();
  let timer: NodeJS.Timeout | undefined;
  const beat = () => {
    for (const target of targets) target.write(SSE_HEARTBEAT);
  };
  return {
    add(target) {
      targets.add(target);
      if (!timer) {
        timer = setInterval(beat, intervalMs);
        timer.unref();
      }
      return () => {
        targets.delete(target);
        if (targets.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    size: () => targets.size,
  };
}
