/**
 * The explorer's client of Loom's public REST API (the LangGraph Agent Server routes, docs/api.md). Nothing
 * else is used, so the page works against any replica. Every request carries the API key from the header box
 * (`x-api-key` and `Authorization: Bearer`) when one is set; a non-2xx answer throws {@link ApiError} with the server's `detail`.
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import type {
  Assistant,
  CheckpointRef,
  GraphDrawing,
  Json,
  JsonObject,
  Run,
  Thread,
  ThreadState,
} from "./types.js";

export type * from "./types.js";

/** A refused or failed request: HTTP status and the server's `detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${status}: ${detail}`);
    this.name = "ApiError";
  }
}

const KEY_STORAGE = "loom.apiKey";

/** The API key of the header box (persisted in `localStorage`), or "" for none. */
export function apiKey(): string {
  return localStorage.getItem(KEY_STORAGE) ?? "";
}

/** Stores the API key sent with every request ("" removes it). */
export function setApiKey(key: string): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function headers(json: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (json) out["content-type"] = "application/json";
  const key = apiKey();
  if (key) {
    // Both places a credential is looked for: Loom's API keys read either; an `Auth` module usually reads the
    // bearer token, as in LangGraph's custom-auth docs.
    out["x-api-key"] = key;
    out.authorization = `Bearer ${key}`;
  }
  return out;
}

async function failure(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    if (typeof body.detail === "string") return new ApiError(response.status, body.detail);
  } catch {
    // not JSON: fall through to the raw text
  }
  return new ApiError(response.status, text || response.statusText);
}

/** Sends one request; `body` is JSON-encoded. Resolves to the decoded answer (`undefined` for 204). */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: headers(body !== undefined) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** One server-sent event of a run stream. */
export interface StreamEvent {
  event: string;
  data: string;
}

/**
 * Joins a run's stream (`GET /threads/{t}/runs/{r}/stream`) and calls `onEvent` for each event until the run
 * ends, the server closes the stream or `signal` aborts. Heartbeat comments are skipped by the parser.
 */
export async function joinStream(
  threadId: string,
  runId: string,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(`/threads/${threadId}/runs/${runId}/stream`, {
    headers: { ...headers(false), accept: "text/event-stream" },
    signal,
  });
  if (!response.ok || !response.body) throw await failure(response);
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onEvent({ event: value.event ?? "message", data: value.data });
    }
  } finally {
    reader.releaseLock();
  }
}

/** The routes the explorer uses, typed. */
export const api = {
  searchThreads: (query: { limit: number; offset: number; metadata?: JsonObject; status?: string }) =>
    request<Thread[]>("POST", "/threads/search", { ...query, sort_by: "updated_at", sort_order: "desc" }),
  createThread: () => request<Thread>("POST", "/threads", {}),
  getThread: (threadId: string) => request<Thread>("GET", `/threads/${threadId}`),
  /** One page of history, newest first; `before` pages past a checkpoint id. */
  history: (threadId: string, limit: number, before?: string) =>
    request<ThreadState[]>("POST", `/threads/${threadId}/history`, {
      limit,
      ...(before ? { before: { configurable: { checkpoint_id: before } } } : {}),
    }),
  state: (threadId: string) => request<ThreadState>("GET", `/threads/${threadId}/state`),
  updateState: (threadId: string, body: { values: Json; checkpoint_id?: string; as_node?: string }) =>
    request<{ checkpoint: CheckpointRef }>("POST", `/threads/${threadId}/state`, body),
  createRun: (threadId: string, body: JsonObject) => request<Run>("POST", `/threads/${threadId}/runs`, body),
  listRuns: (threadId: string) => request<Run[]>("GET", `/threads/${threadId}/runs?limit=20`),
  cancelRun: (threadId: string, runId: string) =>
    request<void>("POST", `/threads/${threadId}/runs/${runId}/cancel`),
  assistants: () => request<Assistant[]>("POST", "/assistants/search", { limit: 100 }),
  graph: (assistantId: string) => request<GraphDrawing>("GET", `/assistants/${assistantId}/graph`),
};
