/**
 * `Send` and `Command` (docs/semantics.md §1.3, §3.6, §3.9).
 */
import type { JsonValue } from "./checkpoint.js";

/**
 * A packet that runs `node` in the next super-step with `args` as its state (a PUSH task, docs/semantics.md §1.3).
 * Returned by a conditional-edge router or used as `Command.goto`. Stored in `__pregel_tasks` as `{node, args}`.
 */
export class Send {
  constructor(
    readonly node: string,
    readonly args: JsonValue,
  ) {}
}

/** Where a `Command` goes: node names and/or `Send` packets. */
export type Goto = string | Send | Array<string | Send>;

/** Fields of a `Command`. */
export interface CommandInit<U = Record<string, JsonValue>> {
  /**
   * Resume value for pending `interrupt()` calls (docs/semantics.md §3.6). `null`/`undefined` mean "no resume
   * value" (Python rule). A map whose keys are all 32-hex interrupt ids resumes each interrupt separately (docs/semantics.md §3.8).
   */
  resume?: JsonValue;
  /** State update applied through the reducers before tasks are prepared (docs/semantics.md §3.9). Object or `[key, value]` pairs. */
  update?: U | Array<[string, JsonValue]>;
  /** Nodes (or `Send` packets) to run next (docs/semantics.md §3.9). */
  goto?: Goto;
}

/**
 * A command: as run input it resumes/updates/redirects a paused thread (docs/semantics.md §3.9); as a node's
 * return value it updates state and routes (`update`, `goto`; `resume` is ignored there).
 */
export class Command<U = Record<string, JsonValue>> {
  readonly resume: JsonValue | undefined;
  readonly update: U | Array<[string, JsonValue]> | undefined;
  readonly goto: Array<string | Send>;

  constructor(init: CommandInit<U> = {}) {
    this.resume = init.resume === null ? undefined : init.resume;
    this.update = init.update;
    this.goto = init.goto === undefined ? [] : Array.isArray(init.goto) ? init.goto : [init.goto];
  }
}

/** `[key, value]` pairs of a command's update, in order. */
export function commandUpdateEntries(update: unknown): Array<[string, JsonValue]> {
  if (update === undefined || update === null) return [];
  if (Array.isArray(update)) return update as Array<[string, JsonValue]>;
  return Object.entries(update as Record<string, JsonValue>);
}

const INTERRUPT_ID = /^[0-9a-f]{32}$/;

/** True when `resume` is a map `{interruptId: value}` (every key is 32 hex chars; docs/semantics.md §3.8). */
export function isResumeMap(resume: JsonValue | undefined): resume is { [id: string]: JsonValue } {
  if (resume === null || typeof resume !== "object" || Array.isArray(resume)) return false;
  const keys = Object.keys(resume);
  return keys.length > 0 && keys.every((k) => INTERRUPT_ID.test(k));
}
