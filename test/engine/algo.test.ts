import { v5 as uuidv5 } from "uuid";
import { describe, expect, it } from "vitest";
import {
  append,
  applyWrites,
  type Checkpoint,
  END,
  InvalidUpdateError,
  lastValue,
  prepareTasks,
  START,
  StateGraph,
  taskId,
} from "../../src/engine/index.js";

const graph = new StateGraph({ x: lastValue<number>(), log: append<string>() })
  .addNode("a", () => undefined)
  .addNode("b", () => undefined)
  .addNode("c", () => undefined)
  .addEdge(START, "a")
  .addEdge(START, "b")
  .addEdge(["a", "b"], "c")
  .addEdge("c", END)
  .compile();

const ID = "1f1e5630-a0b4-65f0-8001-000000000001";

function cp(
  values: Checkpoint["channelValues"],
  versions: Checkpoint["channelVersions"],
  seen: Checkpoint["versionsSeen"] = {},
): Checkpoint {
  return {
    v: 4,
    id: ID,
    ts: new Date(0).toISOString(),
    channelValues: values,
    channelVersions: versions,
    versionsSeen: seen,
  };
}

describe("pure super-step functions", () => {
  it("docs/semantics.md §1.1 a last-value key takes the last value; two writes in one step are an InvalidUpdateError", () => {
    const base = cp({ x: 1 }, { x: 1 });
    const one = applyWrites(base, graph, [
      { name: "a", path: ["__pregel_pull", "a"], triggers: [], writes: [["x", 2]] },
    ]);
    expect(one.checkpoint.channelValues.x).toBe(2);
    const two = () =>
      applyWrites(base, graph, [
        { name: "a", path: ["__pregel_pull", "a"], triggers: [], writes: [["x", 2]] },
        { name: "b", path: ["__pregel_pull", "b"], triggers: [], writes: [["x", 3]] },
      ]);
    expect(two).toThrow(InvalidUpdateError);
    expect(two).toThrow(/At key 'x'/);
  });

  it("docs/semantics.md §1.1 a reducer key folds all writes of a step into the old value", () => {
    const out = applyWrites(cp({ log: ["old"] }, { log: 1 }), graph, [
      {
        name: "b",
        path: ["__pregel_pull", "b"],
        triggers: [],
        writes: [
          ["log", ["b1"]],
          ["log", "b2"],
        ],
      },
      { name: "a", path: ["__pregel_pull", "a"], triggers: [], writes: [["log", ["a"]]] },
    ]);
    expect(out.checkpoint.channelValues.log).toEqual(["old", "a", "b1", "b2"]);
  });

  it("docs/semantics.md §1.4 writes are applied in task-path order, not in the order tasks are given; PUSH after PULL, by index", () => {
    const tasks = [
      { name: "c", path: ["__pregel_push", 10] as const, triggers: [], writes: [["log", "push10"]] as const },
      { name: "c", path: ["__pregel_push", 2] as const, triggers: [], writes: [["log", "push2"]] as const },
      { name: "b", path: ["__pregel_pull", "b"] as const, triggers: [], writes: [["log", "b"]] as const },
      { name: "a", path: ["__pregel_pull", "a"] as const, triggers: [], writes: [["log", "a"]] as const },
    ];
    const out = applyWrites(cp({}, {}), graph, tasks);
    expect(out.checkpoint.channelValues.log).toEqual(["a", "b", "push2", "push10"]);
  });

  it("docs/semantics.md §1.5 every channel changed in a step gets one new version: max of all versions + 1; versions_seen records triggers", () => {
    const base = cp({ "branch:to:a": null, x: 0 }, { "branch:to:a": 2, x: 1, log: 5 });
    const out = applyWrites(base, graph, [
      {
        name: "a",
        path: ["__pregel_pull", "a"],
        triggers: ["branch:to:a"],
        writes: [
          ["x", 3],
          ["log", ["a"]],
        ],
      },
    ]);
    expect(out.checkpoint.channelVersions).toEqual({ "branch:to:a": 6, x: 6, log: 6 });
    expect(out.checkpoint.versionsSeen.a).toEqual({ "branch:to:a": 2 });
    expect(out.checkpoint.channelValues["branch:to:a"]).toBeUndefined();
    expect(base.channelVersions.x).toBe(1);
    expect(base.channelValues["branch:to:a"]).toBeNull();
  });

  it("docs/semantics.md §1.2 a join channel holds the sources seen so far and triggers its node only when complete, then resets", () => {
    const join = "join:a+b:c";
    const afterA = applyWrites(cp({}, {}), graph, [
      { name: "a", path: ["__pregel_pull", "a"], triggers: [], writes: [[join, "a"]] },
    ]);
    expect(afterA.checkpoint.channelValues[join]).toEqual(["a"]);
    expect(prepareTasks(afterA.checkpoint, graph, { step: 1 }).map((t) => t.name)).toEqual([]);
    const afterB = applyWrites(afterA.checkpoint, graph, [
      { name: "b", path: ["__pregel_pull", "b"], triggers: [], writes: [[join, "b"]] },
    ]);
    expect(afterB.checkpoint.channelValues[join]).toEqual(["a", "b"]);
    const tasks = prepareTasks(afterB.checkpoint, graph, { step: 2 });
    expect(tasks.map((t) => t.name)).toEqual(["c"]);
    const consumed = applyWrites(afterB.checkpoint, graph, [
      { name: "c", path: ["__pregel_pull", "c"], triggers: tasks[0]?.triggers ?? [], writes: [] },
    ]);
    expect(consumed.checkpoint.channelValues[join]).toBeUndefined();
    expect(prepareTasks(consumed.checkpoint, graph, { step: 3 })).toEqual([]);
  });

  it("docs/semantics.md §1.3 a PULL task exists when a trigger's version is newer than versions_seen; a PUSH task per Send packet", () => {
    const c = cp(
      {
        "branch:to:a": null,
        "branch:to:b": null,
        __pregel_tasks: [
          { node: "c", args: { x: 1 } },
          { node: "a", args: null },
        ],
      },
      { "branch:to:a": 3, "branch:to:b": 3, __pregel_tasks: 3 },
      { b: { "branch:to:b": 3 } },
    );
    const tasks = prepareTasks(c, graph, { step: 4 });
    expect(tasks.map((t) => [t.name, t.path])).toEqual([
      ["c", ["__pregel_push", 0]],
      ["a", ["__pregel_push", 1]],
      ["a", ["__pregel_pull", "a"]],
    ]);
    expect(tasks[0]?.input).toEqual({ x: 1 });
    expect(tasks[2]?.triggers).toEqual(["branch:to:a"]);
  });

  it("docs/semantics.md §1.3 a START task reads the raw input; the input is mapped to state keys when applied", () => {
    const c = cp({ __start__: { x: 7, unknown: 1 } }, { __start__: 1 });
    const [t] = prepareTasks(c, graph, { step: 0 });
    expect(t?.name).toBe("__start__");
    expect(t?.input).toEqual({ x: 7, unknown: 1 });
  });

  it("docs/semantics.md §1.15 task ids are deterministic uuid5 of [ns, step, name, ...path] in the checkpoint id's namespace", () => {
    const c = cp({ "branch:to:a": null }, { "branch:to:a": 1 });
    const first = prepareTasks(c, graph, { step: 3 });
    const again = prepareTasks(c, graph, { step: 3 });
    expect(first[0]?.id).toBe(again[0]?.id);
    expect(first[0]?.id).toBe(uuidv5(JSON.stringify(["", "3", "a", "__pregel_pull", "a"]), ID));
    expect(taskId(ID, "", 3, "a", ["__pregel_pull", "a"])).toBe(first[0]?.id);
    const other = prepareTasks({ ...c, id: "1f1e5630-a0b4-65f0-8001-000000000002" }, graph, { step: 3 });
    expect(other[0]?.id).not.toBe(first[0]?.id);
  });
});
