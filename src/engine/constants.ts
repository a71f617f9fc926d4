/**
 * Reserved names of the engine (docs/semantics.md §1.2, §1.3, §1.13, §5.4). Graph authors use `START` and `END`;
 * the other names appear in stored checkpoints and pending writes.
 */

/** Virtual entry node; also the channel holding a run's raw input (docs/semantics.md §1.2, §1.9). */
export const START = "__start__";
/** Virtual exit node. A route to `END` writes nothing. */
export const END = "__end__";

/** Channel of pending `Send` packets, stored as `[{node, args}]` (docs/semantics.md §1.2). */
export const TASKS = "__pregel_tasks";
/** Path prefix of a task triggered by channel versions (docs/semantics.md §1.3). */
export const PULL = "__pregel_pull";
/** Path prefix of a task created by a `Send` (docs/semantics.md §1.3). */
export const PUSH = "__pregel_push";

/** Interrupt write channel (idx −3, docs/semantics.md §1.13) and the `versions_seen` key of breakpoints (docs/semantics.md §2.1). */
export const INTERRUPT = "__interrupt__";
/** Error write channel of a failed task (idx −1, docs/semantics.md §1.13, §1.14). */
export const ERROR = "__error__";
/** Resume write channel: raw value on the null task, answered values per task (idx −4, docs/semantics.md §3.6). */
export const RESUME = "__resume__";
/** Reserved by LangGraph (idx −2); never written by Loom. */
export const SCHEDULED = "__scheduled__";
/**
 * Marker write saved when a task finished without writing anything, so a re-run knows it completed
 * (docs/semantics.md §1.14, §3.8). Never applied to a channel.
 */
export const NO_WRITES = "__no_writes__";

/** `asNode` of `updateState` that behaves like new input (docs/semantics.md §5.4). */
export const INPUT = "__input__";
/** `asNode` of `updateState` that copies the base as a fork sibling (docs/semantics.md §5.4). */
export const COPY = "__copy__";

/** Prefix of the trigger channel of a node: `branch:to:<node>` (docs/semantics.md §1.2). */
export const BRANCH_PREFIX = "branch:to:";
/** Prefix of a multi-source join channel: `join:<a>+<b>:<node>` (docs/semantics.md §1.2). */
export const JOIN_PREFIX = "join:";

/** Channels that are written as pending writes but never applied to channel values. */
export const NON_CHANNEL_WRITES: ReadonlySet<string> = new Set([
  ERROR,
  INTERRUPT,
  RESUME,
  SCHEDULED,
  NO_WRITES,
]);

/** Default recursion limit: the most super-steps one run may execute (docs/semantics.md §1.6, JS default). */
export const DEFAULT_RECURSION_LIMIT = 25;
