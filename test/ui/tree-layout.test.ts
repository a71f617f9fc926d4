/**
 * The explorer's checkpoint-tree layout (ui/src/tree-layout.ts) on hand-built histories: parent links become
 * the tree (docs/semantics.md §6 history covers every branch), forks have several children, the head and
 * pending interrupts are marked, truncated histories still draw.
 */
import { describe, expect, it } from "vitest";
import type { TreeLayout, TreeNode } from "../../ui/src/tree-layout.js";
import { COLUMN_WIDTH, layoutTree } from "../../ui/src/tree-layout.js";
import type { Interrupt, ThreadState } from "../../ui/src/types.js";

function nodeOf(layout: TreeLayout, id: string): TreeNode {
  const node = layout.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id}`);
  return node;
}

function cp(
  id: string,
  parent: string | null,
  step: number,
  source: string,
  interrupts: Interrupt[] = [],
): ThreadState {
  const ref = (checkpoint_id: string) => ({ thread_id: "t", checkpoint_ns: "", checkpoint_id });
  return {
    values: { step },
    next: interrupts.length > 0 ? ["human"] : [],
    tasks: interrupts.length > 0 ? [{ id: `task-${id}`, name: "human", interrupts }] : [],
    checkpoint: ref(id),
    parent_checkpoint: parent ? ref(parent) : null,
    metadata: { step, source },
    created_at: null,
  };
}

describe("layoutTree", () => {
  it("places a linear history in one row, one column per checkpoint, left to right in step order", () => {
    const history = [cp("c", "b", 1, "loop"), cp("b", "a", 0, "loop"), cp("a", null, -1, "input")];
    const layout = layoutTree(history, "c");
    expect(layout.links.map((l) => `${l.from.id}>${l.to.id}`).sort()).toEqual(["a>b", "b>c"]);
    expect(new Set(layout.nodes.map((n) => n.y)).size).toBe(1);
    expect(nodeOf(layout, "b").x - nodeOf(layout, "a").x).toBe(COLUMN_WIDTH);
    expect(nodeOf(layout, "c").x - nodeOf(layout, "b").x).toBe(COLUMN_WIDTH);
    expect(layout.nodes.filter((n) => n.head).map((n) => n.id)).toEqual(["c"]);
    expect(layout.nodes.some((n) => n.fork)).toBe(false);
    expect(layout.width).toBeGreaterThan(nodeOf(layout, "c").x);
  });

  it("draws a fork as two rows that share the fork point, older branch first", () => {
    // a → b → c (original), b → d (update) → e (run from d)
    const history = [
      cp("e", "d", 3, "loop"),
      cp("d", "b", 2, "update"),
      cp("c", "b", 2, "loop"),
      cp("b", "a", 1, "loop"),
      cp("a", null, 0, "input"),
    ];
    const layout = layoutTree(history, "e");
    expect(nodeOf(layout, "b").fork).toBe(true);
    expect(nodeOf(layout, "c").x).toBe(nodeOf(layout, "d").x);
    expect(nodeOf(layout, "c").y).toBeLessThan(nodeOf(layout, "d").y);
    expect(nodeOf(layout, "e").y).toBe(nodeOf(layout, "d").y);
    for (const node of layout.nodes) {
      expect(node.y).toBeGreaterThan(0);
      expect(node.y).toBeLessThan(layout.height);
    }
  });

  it("marks an interrupt as pending until a run continues from that checkpoint", () => {
    const waiting = [cp("b", "a", 0, "loop", [{ id: "i1", value: "?" }]), cp("a", null, -1, "input")];
    expect(nodeOf(layoutTree(waiting, "b"), "b").pendingInterrupt).toBe(true);
    const resumed = [cp("c", "b", 1, "loop"), ...waiting];
    expect(nodeOf(layoutTree(resumed, "c"), "b").pendingInterrupt).toBe(false);
    // A state update beside it forks; the interrupt on the original checkpoint still waits.
    const edited = [cp("d", "b", 1, "update"), ...waiting];
    expect(nodeOf(layoutTree(edited, "d"), "b").pendingInterrupt).toBe(true);
  });

  it("stacks roots when the history page does not reach the first checkpoint", () => {
    const history = [cp("y", "x", 5, "loop"), cp("x", "missing", 4, "loop"), cp("q", "gone", 4, "update")];
    const layout = layoutTree(history, "y");
    expect(layout.nodes).toHaveLength(3);
    expect(nodeOf(layout, "x").parentId).toBeNull();
    expect(nodeOf(layout, "q").parentId).toBeNull();
    expect(layout.links).toHaveLength(1);
    expect(nodeOf(layout, "x").x).toBe(nodeOf(layout, "q").x);
  });

  it("is empty for a thread with no checkpoints", () => {
    expect(layoutTree([], null)).toEqual({ nodes: [], links: [], width: 0, height: 0 });
  });
});
