/**
 * Lays out a thread's checkpoint tree: every checkpoint of the history (all branches, docs/semantics.md §6)
 * becomes a node whose parent is its `parent_checkpoint`; forks are nodes with several children. Columns are
 * tree depth (one super-step or state update per column, left to right), rows separate branches.
 * Pure: no DOM, so the page and the tests share it.
 */
import { stratify, tree } from "d3-hierarchy";
import type { ThreadState } from "./types.js";

/** Horizontal distance between columns and vertical distance between rows, in SVG units. */
export const COLUMN_WIDTH = 120;
export const ROW_HEIGHT = 56;

/** A checkpoint placed on the canvas. */
export interface TreeNode {
  id: string;
  parentId: string | null;
  state: ThreadState;
  /** Centre of the node, SVG units. */
  x: number;
  y: number;
  /** The thread's current head. */
  head: boolean;
  /** A task of this checkpoint has an interrupt that no later checkpoint answered. */
  pendingInterrupt: boolean;
  /** More than one child: a fork point. */
  fork: boolean;
}

/** A parent → child line. */
export interface TreeLink {
  from: TreeNode;
  to: TreeNode;
}

/** The laid-out tree and the size of its canvas. */
export interface TreeLayout {
  nodes: TreeNode[];
  links: TreeLink[];
  width: number;
  height: number;
}

const VIRTUAL_ROOT = "__roots__";

/** True when a task of `state` carries an interrupt (the checkpoint waits for a human there). */
export function hasInterrupt(state: ThreadState): boolean {
  return state.tasks.some((task) => task.interrupts.length > 0);
}

/**
 * Builds the layout from `history` (any order; newest first as the API sends it) and the head's checkpoint id.
 * Checkpoints whose parent is not in `history` (a truncated page) become roots; several roots hang from an
 * invisible common root so they stack as rows.
 */
export function layoutTree(history: readonly ThreadState[], headId: string | null): TreeLayout {
  const byId = new Map<string, ThreadState>();
  for (const state of history) if (state.checkpoint) byId.set(state.checkpoint.checkpoint_id, state);
  if (byId.size === 0) return { nodes: [], links: [], width: 0, height: 0 };
  const rows = [...byId.values()].map((state) => {
    const parent = state.parent_checkpoint?.checkpoint_id ?? null;
    return {
      id: state.checkpoint?.checkpoint_id ?? "",
      parentId: parent && byId.has(parent) ? parent : null,
      state,
    };
  });
  // Checkpoint ids are time-ordered UUIDs: sorting by id puts siblings in creation order (older branch on top).
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const roots = rows.filter((row) => row.parentId === null);
  const withRoot = roots.length > 1;
  type Row = { id: string; parentId: string | null; state: ThreadState | null };
  const all: Row[] = withRoot
    ? [
        { id: VIRTUAL_ROOT, parentId: null, state: null },
        ...rows.map((r) => ({ ...r, parentId: r.parentId ?? VIRTUAL_ROOT })),
      ]
    : rows;
  const hierarchy = stratify<Row>()
    .id((row) => row.id)
    .parentId((row) => row.parentId)(all);
  tree<Row>().nodeSize([ROW_HEIGHT, COLUMN_WIDTH])(hierarchy);

  const answered = new Set<string>();
  const nodes: TreeNode[] = [];
  const placed = new Map<string, TreeNode>();
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  let maxX = 0;
  for (const h of hierarchy.descendants()) {
    const state = h.data.state;
    if (!state) continue;
    // d3's tree grows downwards (x = breadth, y = depth); the explorer grows to the right.
    const depth = withRoot ? (h.depth - 1) * COLUMN_WIDTH : (h.y ?? 0);
    const breadth = h.x ?? 0;
    const node: TreeNode = {
      id: h.data.id,
      parentId: h.data.parentId === VIRTUAL_ROOT ? null : h.data.parentId,
      state,
      x: depth,
      y: breadth,
      head: h.data.id === headId,
      pendingInterrupt: false,
      fork: (h.children?.length ?? 0) > 1,
    };
    if (node.parentId && state.metadata.source !== "update") answered.add(node.parentId);
    nodes.push(node);
    placed.set(node.id, node);
    minY = Math.min(minY, breadth);
    maxY = Math.max(maxY, breadth);
    maxX = Math.max(maxX, depth);
  }
  for (const node of nodes) node.pendingInterrupt = hasInterrupt(node.state) && !answered.has(node.id);
  const margin = COLUMN_WIDTH / 2;
  for (const node of nodes) {
    node.x += margin;
    node.y += margin - minY;
  }
  const links: TreeLink[] = [];
  for (const node of nodes) {
    const parent = node.parentId ? placed.get(node.parentId) : undefined;
    if (parent) links.push({ from: parent, to: node });
  }
  return { nodes, links, width: maxX + 2 * margin, height: maxY - minY + 2 * margin };
}
