/**
 * The JSON shapes of Loom's REST API that the explorer reads (docs/api.md), as the server sends them. Plain
 * types with no DOM dependency, so the layout code and its tests share them.
 */
/** JSON as the API sends it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** `GET /threads/{id}` and each row of `POST /threads/search`. */
export interface Thread {
  thread_id: string;
  created_at: string;
  updated_at: string;
  metadata: JsonObject;
  status: "idle" | "busy" | "interrupted" | "error";
  values?: JsonObject;
  interrupts?: Record<string, Interrupt[]>;
}

/** An interrupt raised by a task (`{id, value}` plus LangGraph's legacy fields). */
export interface Interrupt {
  id: string;
  value: Json;
}

/** A task of a checkpoint: the node the next super-step runs, with what it left behind. */
export interface Task {
  id: string;
  name: string;
  interrupts: Interrupt[];
  error?: string | null;
  result?: Json;
}

/** A checkpoint's address. */
export interface CheckpointRef {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
}

/** One entry of `POST /threads/{id}/history` and the answer of `GET /threads/{id}/state`. */
export interface ThreadState {
  values: JsonObject;
  next: string[];
  tasks: Task[];
  checkpoint: CheckpointRef | null;
  parent_checkpoint: CheckpointRef | null;
  metadata: JsonObject & { source?: string; step?: number; run_id?: string };
  created_at: string | null;
  interrupts?: Interrupt[];
}

/** A run (`POST /threads/{id}/runs`, `GET /threads/{id}/runs`). */
export interface Run {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  status: "pending" | "running" | "error" | "success" | "timeout" | "interrupted";
  created_at: string;
}

/** An assistant (`POST /assistants/search`). */
export interface Assistant {
  assistant_id: string;
  graph_id: string;
  name: string;
}

/** `GET /assistants/{id}/graph`: the graph's drawing. */
export interface GraphDrawing {
  nodes: { id: string }[];
  edges: { source: string; target: string; conditional?: boolean }[];
}
