/**
 * The thread page (`#/threads/{id}`): the checkpoint tree of the whole history beside the graph's drawing, the
 * selected checkpoint's details (values, diff against its parent, metadata, next, tasks with interrupts, errors
 * and results) and the actions on it: resume a pending interrupt, edit the state (a new checkpoint on a new
 * branch), run from it, cancel the running run, start a run at the head.
 *
 * Live: while a run executes the page follows its stream and redraws as checkpoints arrive; otherwise it looks
 * at the thread every {@link IDLE_POLL_MS} and follows a run that another client started.
 */
import {
  type Assistant,
  api,
  type GraphDrawing,
  type Json,
  type JsonObject,
  joinStream,
  type Run,
  type Thread,
  type ThreadState,
} from "./api.js";
import { diffValues } from "./diff.js";
import { clearError, h, pretty, showError } from "./dom.js";
import { renderGraph } from "./graph-view.js";
import { layoutTree, type TreeLayout, type TreeNode } from "./tree-layout.js";
import { renderTree } from "./tree-view.js";

/** How often the page looks at an idle thread (nothing streams), in ms. */
export const IDLE_POLL_MS = 2000;
/** History page size (the API's largest `limit`) and the most checkpoints the page loads. */
const HISTORY_PAGE = 1000;
const HISTORY_MAX = 10_000;
/** Coalesces redraws while a stream delivers events quickly, in ms. */
const REDRAW_DELAY_MS = 150;

/** Timings of the last draw, read by `npm run bench:ui`. */
export interface RenderTimings {
  checkpoints: number;
  fetchMs: number;
  layoutMs: number;
  drawMs: number;
}

declare global {
  interface Window {
    __loomRender?: RenderTimings;
  }
}

function parseJson(text: string, field: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new Error(`${field} is not valid JSON`);
  }
}

async function loadHistory(threadId: string): Promise<ThreadState[]> {
  const all: ThreadState[] = [];
  for (;;) {
    const before = all.at(-1)?.checkpoint?.checkpoint_id;
    const page = await api.history(threadId, HISTORY_PAGE, before);
    all.push(...page);
    if (page.length < HISTORY_PAGE || all.length >= HISTORY_MAX) return all;
  }
}

/** Renders the thread page; resolves to a function that stops its stream and timers. */
export async function renderThread(root: HTMLElement, threadId: string): Promise<() => void> {
  const lifetime = new AbortController();
  let thread: Thread | null = null;
  let layout: TreeLayout | null = null;
  let selectedId: string | null = null;
  let drawing: GraphDrawing | null = null;
  let assistants: Assistant[] = [];
  let followed: string | null = null;
  let redrawTimer: ReturnType<typeof setTimeout> | undefined;
  /** `status|updated_at` of the thread as last drawn; the idle poll redraws when it changes. */
  let lastSeen = "";
  /** Counts refreshes started, so an overtaken one draws nothing. */
  let refreshes = 0;

  const header = h("div", { class: "thread-header" });
  const treePane = h("div", { class: "tree-pane", "data-testid": "tree-pane" });
  const graphPane = h("div", { class: "graph-pane" });
  const details = h("section", { class: "panel details", "data-testid": "details" });
  const actions = h("section", { class: "panel actions", "data-testid": "actions" });
  root.replaceChildren(
    header,
    h(
      "div",
      { class: "split" },
      h(
        "section",
        { class: "panel tree-panel" },
        h("h2", {}, "Checkpoints"),
        treePane,
        h(
          "p",
          { class: "legend" },
          h("span", { class: "key key-head" }, "head"),
          h("span", { class: "key key-interrupted" }, "waiting for a human"),
          h("span", { class: "key key-update" }, "state update"),
          h("span", { class: "key key-loop" }, "super-step"),
          "· number = step",
        ),
      ),
      h("section", { class: "panel graph-panel" }, h("h2", {}, "Graph"), graphPane),
    ),
    h("div", { class: "split" }, details, actions),
  );

  const assistantId = (): string => {
    const meta = thread?.metadata ?? {};
    if (typeof meta.assistant_id === "string") return meta.assistant_id;
    if (typeof meta.graph_id === "string") return meta.graph_id;
    return assistants[0]?.assistant_id ?? "";
  };
  /**
   * What the user typed into the action boxes, by box (`resume:<checkpoint>:<interrupt>`, `values:<checkpoint>`,
   * `run-input`): the panel is redrawn whenever the stream or the idle poll brings news, and a redraw must not
   * throw away a half-typed resume value.
   */
  const drafts = new Map<string, string>();
  /** A textarea showing the draft of `key` (else `initial`) that records what is typed into it. */
  const draftBox = (
    key: string,
    attrs: Record<string, string | number>,
    initial: string,
  ): HTMLTextAreaElement => {
    const box: HTMLTextAreaElement = h(
      "textarea",
      { ...attrs, oninput: () => drafts.set(key, box.value) },
      drafts.get(key) ?? initial,
    );
    return box;
  };
  const selected = (): TreeNode | undefined => layout?.nodes.find((n) => n.id === selectedId);

  async function act(work: () => Promise<void>): Promise<void> {
    try {
      await work();
      clearError();
    } catch (error) {
      showError(error);
    }
  }

  async function startRun(body: JsonObject): Promise<void> {
    const run = await api.createRun(threadId, { assistant_id: assistantId(), ...body });
    follow(run);
    await refresh();
  }

  /** Follows `run`'s stream, redrawing as its events arrive, until it ends. */
  function follow(run: Run): void {
    if (followed === run.run_id) return;
    followed = run.run_id;
    const redrawSoon = () => {
      clearTimeout(redrawTimer);
      redrawTimer = setTimeout(() => void refresh(), REDRAW_DELAY_MS);
    };
    joinStream(threadId, run.run_id, redrawSoon, lifetime.signal)
      .catch((error: unknown) => {
        if (!lifetime.signal.aborted) showError(error);
      })
      .finally(() => {
        if (followed === run.run_id) followed = null;
        if (!lifetime.signal.aborted) void refresh();
      });
  }

  function drawHeader(): void {
    if (!thread) return;
    const busy = thread.status === "busy";
    const parts: (HTMLElement | null)[] = [
      h("a", { href: "#/", class: "link" }, "‹ threads"),
      h("h2", {}, "Thread ", h("code", {}, threadId)),
      h("span", { class: `status status-${thread.status}`, "data-testid": "thread-status" }, thread.status),
      h(
        "span",
        { class: "muted" },
        typeof thread.metadata.graph_id === "string" ? thread.metadata.graph_id : "",
      ),
      busy
        ? h(
            "button",
            {
              "data-testid": "cancel-run",
              onclick: () =>
                act(async () => {
                  const running = (await api.listRuns(threadId)).filter(
                    (r) => r.status === "running" || r.status === "pending",
                  );
                  for (const run of running) await api.cancelRun(threadId, run.run_id);
                  await refresh();
                }),
            },
            "Cancel run",
          )
        : null,
    ];
    header.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }

  function drawTree(): void {
    if (!layout) return;
    const scrollLeft = treePane.scrollLeft;
    const scrollTop = treePane.scrollTop;
    treePane.replaceChildren(
      layout.nodes.length === 0
        ? h("p", { class: "empty" }, "No checkpoints yet: start a run.")
        : renderTree(layout, selectedId, (id) => {
            selectedId = id;
            drawTree();
            drawSelection();
          }),
    );
    treePane.scrollLeft = scrollLeft;
    treePane.scrollTop = scrollTop;
  }

  function drawGraph(): void {
    if (!drawing) return;
    graphPane.replaceChildren(renderGraph(drawing, new Set(selected()?.state.next ?? [])));
  }

  function drawDetails(node: TreeNode | undefined): void {
    if (!node) {
      details.replaceChildren(h("h2", {}, "Checkpoint"), h("p", { class: "empty" }, "Select a checkpoint."));
      return;
    }
    const state = node.state;
    const parent = node.parentId ? layout?.nodes.find((n) => n.id === node.parentId) : undefined;
    const changes = diffValues(parent?.state.values ?? null, state.values);
    details.replaceChildren(
      h("h2", {}, "Checkpoint"),
      h(
        "dl",
        {},
        h("dt", {}, "id"),
        h("dd", {}, h("code", { "data-testid": "detail-checkpoint-id" }, node.id)),
        h("dt", {}, "parent"),
        h("dd", {}, h("code", {}, node.parentId ?? "—")),
        h("dt", {}, "step · source"),
        h(
          "dd",
          { "data-testid": "detail-source" },
          `${state.metadata.step ?? "?"} · ${state.metadata.source ?? "?"}`,
        ),
        h("dt", {}, "created"),
        h("dd", {}, state.created_at ? new Date(state.created_at).toLocaleString() : "—"),
        h("dt", {}, "next"),
        h("dd", { "data-testid": "detail-next" }, state.next.join(", ") || "—"),
      ),
      h("h3", {}, "Values"),
      h("pre", { "data-testid": "detail-values" }, pretty(state.values)),
      h("h3", {}, "Changes from parent"),
      changes.length === 0
        ? h("p", { class: "empty" }, "No change.")
        : h(
            "ul",
            { class: "diff", "data-testid": "detail-diff" },
            ...changes.map((c) =>
              h(
                "li",
                { class: `diff-${c.kind}` },
                h("code", {}, c.path),
                c.kind === "added"
                  ? ` + ${JSON.stringify(c.after)}`
                  : c.kind === "removed"
                    ? ` − ${JSON.stringify(c.before)}`
                    : ` ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`,
              ),
            ),
          ),
      h("h3", {}, "Tasks"),
      state.tasks.length === 0
        ? h("p", { class: "empty" }, "None.")
        : h(
            "ul",
            { class: "tasks", "data-testid": "detail-tasks" },
            ...state.tasks.map((task) =>
              h(
                "li",
                {},
                h("strong", {}, task.name),
                task.interrupts.length > 0
                  ? h(
                      "div",
                      { class: "interrupt", "data-testid": "task-interrupt" },
                      "interrupt: ",
                      h("code", {}, pretty(task.interrupts.map((i) => i.value))),
                    )
                  : null,
                task.error ? h("div", { class: "task-error" }, "error: ", task.error) : null,
                task.result !== undefined && task.result !== null
                  ? h("div", {}, "result: ", h("code", {}, JSON.stringify(task.result)))
                  : null,
              ),
            ),
          ),
      h("h3", {}, "Metadata"),
      h("pre", {}, pretty(state.metadata)),
    );
  }

  function drawActions(node: TreeNode | undefined): void {
    const children: (HTMLElement | null)[] = [h("h2", {}, "Actions")];
    if (node?.pendingInterrupt) {
      const pending = node.state.tasks.flatMap((t) => t.interrupts);
      const fields = pending.map((interrupt) => ({
        interrupt,
        input: draftBox(
          `resume:${node.id}:${interrupt.id}`,
          {
            rows: 2,
            "data-testid": "resume-value",
            "data-interrupt-id": interrupt.id,
            placeholder: '"a JSON value"',
          },
          "",
        ),
      }));
      children.push(
        h(
          "div",
          { class: "action" },
          h(
            "h3",
            {},
            pending.length > 1
              ? "Resume the interrupts (one JSON value each)"
              : "Resume the interrupt (a JSON value)",
          ),
          ...fields.map((f) => h("label", {}, h("code", {}, f.interrupt.id), f.input)),
          h(
            "button",
            {
              class: "primary",
              "data-testid": "resume",
              onclick: () =>
                act(async () => {
                  const values = fields.map((f) =>
                    parseJson(f.input.value, `resume value for ${f.interrupt.id}`),
                  );
                  const resume: Json =
                    fields.length === 1
                      ? (values[0] ?? null)
                      : Object.fromEntries(fields.map((f, i) => [f.interrupt.id, values[i] ?? null]));
                  await startRun({
                    input: null,
                    command: { resume },
                    ...(node.head ? {} : { checkpoint_id: node.id }),
                  });
                  for (const f of fields) drafts.delete(`resume:${node.id}:${f.interrupt.id}`);
                }),
            },
            "Resume",
          ),
        ),
      );
    }
    if (node) {
      const values = draftBox(
        `values:${node.id}`,
        { rows: 6, "data-testid": "edit-values" },
        pretty(node.state.values),
      );
      const asNode = h(
        "select",
        { "data-testid": "as-node" },
        h("option", { value: "" }, "(as the last writer)"),
        ...(drawing?.nodes ?? [])
          .filter((n) => n.id !== "__start__" && n.id !== "__end__")
          .map((n) => h("option", { value: n.id }, n.id)),
      );
      children.push(
        h(
          "div",
          { class: "action" },
          h("h3", {}, "Edit state (creates a new checkpoint whose parent is this one)"),
          values,
          h("label", {}, "as node ", asNode),
          h(
            "button",
            {
              "data-testid": "save-state",
              onclick: () =>
                act(async () => {
                  const edited = parseJson(values.value, "values");
                  const result = await api.updateState(threadId, {
                    values: edited,
                    checkpoint_id: node.id,
                    ...(asNode.value ? { as_node: asNode.value } : {}),
                  });
                  drafts.delete(`values:${node.id}`);
                  selectedId = result.checkpoint.checkpoint_id;
                  await refresh();
                }),
            },
            "Save as new checkpoint",
          ),
        ),
        h(
          "div",
          { class: "action" },
          h("h3", {}, "Run from this checkpoint"),
          h(
            "button",
            {
              "data-testid": "run-from",
              onclick: () => act(() => startRun({ input: null, checkpoint_id: node.id })),
            },
            "Run from here",
          ),
        ),
      );
    }
    const input = draftBox("run-input", { rows: 3, "data-testid": "run-input" }, "{}");
    children.push(
      h(
        "div",
        { class: "action" },
        h("h3", {}, "New run at the head"),
        input,
        h(
          "button",
          {
            "data-testid": "run-head",
            onclick: () => act(() => startRun({ input: parseJson(input.value, "input") })),
          },
          "Run",
        ),
      ),
    );
    actions.replaceChildren(...children.filter((c): c is HTMLElement => c !== null));
  }

  function drawSelection(): void {
    const node = selected();
    drawGraph();
    drawDetails(node);
    drawActions(node);
  }

  /**
   * Loads the thread, then its history and head, and redraws. The thread is read first so the history read after
   * it is at least as new as the status it shows: an `idle` status beside a history from before the run finished
   * would never be corrected, since the idle poll redraws only when the status or `updated_at` changes. A refresh
   * overtaken by a later one draws nothing.
   */
  async function refresh(): Promise<void> {
    const generation = ++refreshes;
    const started = performance.now();
    const nextThread = await api.getThread(threadId);
    const [history, head] = await Promise.all([loadHistory(threadId), api.state(threadId)]);
    if (generation !== refreshes) return;
    const fetched = performance.now();
    thread = nextThread;
    lastSeen = `${nextThread.status}|${nextThread.updated_at}`;
    const headId = head.checkpoint?.checkpoint_id ?? null;
    layout = layoutTree(history, headId);
    const laidOut = performance.now();
    if (!selectedId || !layout.nodes.some((n) => n.id === selectedId)) selectedId = headId;
    if (!drawing && assistantId()) drawing = await api.graph(assistantId()).catch(() => null);
    drawHeader();
    drawTree();
    drawSelection();
    window.__loomRender = {
      checkpoints: layout.nodes.length,
      fetchMs: fetched - started,
      layoutMs: laidOut - fetched,
      drawMs: performance.now() - laidOut,
    };
    root.dataset.rendered = String(layout.nodes.length);
  }

  const poll = setInterval(() => {
    if (followed) return;
    void act(async () => {
      const current = await api.getThread(threadId);
      const seen = `${current.status}|${current.updated_at}`;
      if (current.status === "busy") {
        const run = (await api.listRuns(threadId)).find(
          (r) => r.status === "running" || r.status === "pending",
        );
        if (run) follow(run);
      }
      if (seen !== lastSeen) {
        lastSeen = seen;
        await refresh();
      }
    });
  }, IDLE_POLL_MS);

  assistants = await api.assistants().catch(() => []);
  await act(refresh);
  const loaded = thread as Thread | null;
  if (loaded?.status === "busy") {
    const run = (await api.listRuns(threadId).catch(() => [])).find(
      (r) => r.status === "running" || r.status === "pending",
    );
    if (run) follow(run);
  }
  return () => {
    lifetime.abort();
    clearInterval(poll);
    clearTimeout(redrawTimer);
  };
}
