/**
 * Draws a graph's structure (`GET /assistants/{id}/graph`) with dagre's layered layout: nodes as boxes,
 * edges as lines (dashed when conditional), the nodes in `highlight` (the selected checkpoint's `next`) marked.
 */
import dagre from "@dagrejs/dagre";
import type { GraphDrawing } from "./api.js";
import { svg } from "./dom.js";

const NODE_HEIGHT = 30;
const CHAR_WIDTH = 7.5;

/** Renders the drawing top to bottom. */
export function renderGraph(drawing: GraphDrawing, highlight: ReadonlySet<string>): SVGSVGElement {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 36, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of drawing.nodes) {
    g.setNode(node.id, {
      label: node.id,
      width: Math.max(70, node.id.length * CHAR_WIDTH + 20),
      height: NODE_HEIGHT,
    });
  }
  for (const edge of drawing.edges)
    g.setEdge(edge.source, edge.target, { conditional: edge.conditional === true });
  dagre.layout(g);
  const size = g.graph();
  const width = size.width ?? 0;
  const height = size.height ?? 0;
  const root = svg("svg", {
    class: "graph",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "data-testid": "graph",
  });
  root.append(
    svg(
      "defs",
      {},
      svg(
        "marker",
        {
          id: "arrow",
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 6,
          markerHeight: 6,
          orient: "auto",
        },
        svg("path", { d: "M0,0 L10,5 L0,10 z" }),
      ),
    ),
  );
  for (const e of g.edges()) {
    const edge = g.edge(e) as { points: { x: number; y: number }[]; conditional: boolean };
    const d = edge.points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ");
    root.append(
      svg("path", { class: edge.conditional ? "edge conditional" : "edge", d, "marker-end": "url(#arrow)" }),
    );
  }
  for (const id of g.nodes()) {
    const node = g.node(id);
    const classes = ["gnode"];
    if (highlight.has(id)) classes.push("next");
    if (id === "__start__" || id === "__end__") classes.push("terminal");
    root.append(
      svg(
        "g",
        {
          class: classes.join(" "),
          transform: `translate(${node.x - node.width / 2},${node.y - node.height / 2})`,
          "data-testid": "graph-node",
          "data-node": id,
          "data-next": highlight.has(id) ? "true" : "false",
        },
        svg("rect", { width: node.width, height: node.height, rx: 6 }),
        svg("text", { x: node.width / 2, y: node.height / 2, "text-anchor": "middle", dy: "0.35em" }, id),
      ),
    );
  }
  return root;
}
