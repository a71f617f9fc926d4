/**
 * Draws a {@link TreeLayout} as SVG: one circle per checkpoint labelled with its step and source, curved links
 * from parent to child, the head ringed, checkpoints with a pending interrupt in amber, the selected one filled.
 * Clicking a node calls `onSelect` with its checkpoint id.
 */
import { svg } from "./dom.js";
import type { TreeLayout, TreeNode } from "./tree-layout.js";

const SOURCE_LABEL: Readonly<Record<string, string>> = {
  input: "input",
  loop: "loop",
  update: "update",
  fork: "fork",
};

function linkPath(from: TreeNode, to: TreeNode): string {
  const mid = (from.x + to.x) / 2;
  return `M${from.x},${from.y} C${mid},${from.y} ${mid},${to.y} ${to.x},${to.y}`;
}

/** Renders the tree; `selectedId` is highlighted. */
export function renderTree(
  layout: TreeLayout,
  selectedId: string | null,
  onSelect: (id: string) => void,
): SVGSVGElement {
  const root = svg("svg", {
    class: "tree",
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    "data-testid": "checkpoint-tree",
  });
  for (const link of layout.links)
    root.append(svg("path", { class: "link", d: linkPath(link.from, link.to) }));
  for (const node of layout.nodes) {
    const source = String(node.state.metadata.source ?? "");
    const classes = ["node", `source-${source || "unknown"}`];
    if (node.head) classes.push("head");
    if (node.pendingInterrupt) classes.push("interrupted");
    if (node.fork) classes.push("fork");
    if (node.id === selectedId) classes.push("selected");
    const group = svg(
      "g",
      {
        class: classes.join(" "),
        transform: `translate(${node.x},${node.y})`,
        "data-testid": "checkpoint",
        "data-checkpoint-id": node.id,
        "data-parent-id": node.parentId ?? "",
        "data-step": String(node.state.metadata.step ?? ""),
        "data-source": source,
        "data-head": node.head ? "true" : "false",
        "data-interrupted": node.pendingInterrupt ? "true" : "false",
        tabindex: 0,
        role: "button",
        onclick: () => onSelect(node.id),
        onkeydown: (event) => {
          if ((event as KeyboardEvent).key === "Enter") onSelect(node.id);
        },
      },
      svg(
        "title",
        {},
        `${node.id}\nstep ${node.state.metadata.step ?? "?"} · ${source}\nnext: ${node.state.next.join(", ") || "—"}`,
      ),
      node.head ? svg("circle", { class: "head-ring", r: 17 }) : null,
      svg("circle", { r: 12 }),
      svg(
        "text",
        { class: "step", "text-anchor": "middle", dy: "0.35em" },
        String(node.state.metadata.step ?? ""),
      ),
      svg("text", { class: "label", "text-anchor": "middle", y: 28 }, SOURCE_LABEL[source] ?? source),
    );
    root.append(group);
  }
  return root;
}
