/**
 * The threads page (`#/`): threads newest first with status, graph and update time; a metadata filter (JSON
 * containment, as `POST /threads/search` defines it) and a status filter; pages of {@link PAGE_SIZE}; a form
 * that creates a thread and starts a run on it.
 */
import { type Assistant, api, type JsonObject } from "./api.js";
import { clearError, h, showError } from "./dom.js";

/** Threads per page. */
export const PAGE_SIZE = 20;

function graphOf(metadata: JsonObject): string {
  const graph = metadata.graph_id;
  return typeof graph === "string" ? graph : "—";
}

function parseObject(text: string, field: string): JsonObject {
  const value: unknown = text.trim() === "" ? {} : JSON.parse(text);
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error(`${field} must be a JSON object`);
  return value as JsonObject;
}

/** Renders the threads page into `root`; `navigate` opens a thread. */
export async function renderThreads(root: HTMLElement, navigate: (threadId: string) => void): Promise<void> {
  let offset = 0;
  const filter = h("input", {
    id: "metadata-filter",
    placeholder: '{"graph_id": "agent"}',
    "data-testid": "metadata-filter",
  });
  const status = h(
    "select",
    { "data-testid": "status-filter" },
    ...["", "idle", "busy", "interrupted", "error"].map((s) => h("option", { value: s }, s || "any status")),
  );
  const tbody = h("tbody");
  const pager = h("span", { class: "pager-label" });
  const prev = h("button", { onclick: () => load(Math.max(0, offset - PAGE_SIZE)) }, "‹ newer");
  const next = h("button", { onclick: () => load(offset + PAGE_SIZE) }, "older ›");

  async function load(at: number): Promise<void> {
    try {
      const metadata = parseObject(filter.value, "metadata filter");
      const threads = await api.searchThreads({
        limit: PAGE_SIZE,
        offset: at,
        metadata,
        ...(status.value ? { status: status.value } : {}),
      });
      offset = at;
      clearError();
      tbody.replaceChildren(
        ...threads.map((thread) =>
          h(
            "tr",
            {
              "data-testid": "thread-row",
              "data-thread-id": thread.thread_id,
              onclick: () => navigate(thread.thread_id),
            },
            h("td", {}, h("a", { href: `#/threads/${thread.thread_id}` }, thread.thread_id)),
            h(
              "td",
              {},
              h(
                "span",
                { class: `status status-${thread.status}`, "data-testid": "thread-status" },
                thread.status,
              ),
            ),
            h("td", {}, graphOf(thread.metadata)),
            h("td", {}, new Date(thread.updated_at).toLocaleString()),
          ),
        ),
      );
      if (threads.length === 0)
        tbody.append(h("tr", {}, h("td", { colspan: 4, class: "empty" }, "No threads.")));
      pager.textContent = `${offset + 1}–${offset + threads.length}`;
      prev.disabled = offset === 0;
      next.disabled = threads.length < PAGE_SIZE;
    } catch (error) {
      showError(error);
    }
  }

  const assistantSelect = h("select", { "data-testid": "new-run-assistant" });
  const input = h("textarea", { rows: 3, "data-testid": "new-run-input" }, "{}");
  const start = h(
    "button",
    {
      class: "primary",
      "data-testid": "new-run-start",
      onclick: async () => {
        try {
          const body = parseObject(input.value, "input");
          const thread = await api.createThread();
          await api.createRun(thread.thread_id, { assistant_id: assistantSelect.value, input: body });
          navigate(thread.thread_id);
        } catch (error) {
          showError(error);
        }
      },
    },
    "Create thread and run",
  );

  root.replaceChildren(
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "New run"),
      h(
        "div",
        { class: "row" },
        h("label", {}, "Assistant ", assistantSelect),
        h("label", { class: "grow" }, "Input ", input),
        start,
      ),
    ),
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "Threads"),
      h(
        "form",
        {
          class: "row",
          onsubmit: (event) => {
            event.preventDefault();
            void load(0);
          },
        },
        h("label", { class: "grow" }, "Metadata ", filter),
        h("label", {}, "Status ", status),
        h("button", { type: "submit", "data-testid": "search" }, "Search"),
      ),
      h(
        "table",
        { class: "threads" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "thread"),
            h("th", {}, "status"),
            h("th", {}, "graph"),
            h("th", {}, "updated"),
          ),
        ),
        tbody,
      ),
      h("div", { class: "row pager" }, prev, pager, next),
    ),
  );
  try {
    const assistants: Assistant[] = await api.assistants();
    assistantSelect.replaceChildren(
      ...assistants.map((a) => h("option", { value: a.assistant_id }, a.name || a.graph_id)),
    );
  } catch (error) {
    showError(error);
  }
  await load(0);
}
