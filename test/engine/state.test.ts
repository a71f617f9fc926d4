import { describe, expect, it } from "vitest";
import {
  append,
  CheckpointNotFoundError,
  Command,
  getState,
  runGraph,
  START,
  StateGraph,
} from "../../src/engine/index.js";
import { allCheckpoints, chain, head, MemoryStore } from "./helpers.js";

/** x and y interrupt, z completes (all in one step). */
function xyz() {
  return new StateGraph({ log: append<string>() })
    .addNode("x", (_s, ctx) => ({ log: [ctx.interrupt<string>("x?")] }))
    .addNode("y", (_s, ctx) => ({ log: [ctx.interrupt<string>("y?")] }))
    .addNode("z", () => ({ log: ["z"] }))
    .addEdge(START, "x")
    .addEdge(START, "y")
    .addEdge(START, "z")
    .compile();
}

describe("docs/semantics.md §4 getState", () => {
  it("docs/semantics.md §4.1 a snapshot has values, next, tasks, checkpoint, parentCheckpoint, metadata, createdAt, interrupts", async () => {
    const store = new MemoryStore();
    await runGraph(chain({ interruptBefore: ["b"] }), store, { threadId: "t", input: { log: ["in"] } });
    const h = await head(store, "t");
    const s = await getState(chain(), store, { threadId: "t" });
    expect(s).toEqual({
      values: { log: ["in", "a"] },
      next: ["b"],
      tasks: [
        {
          id: expect.any(String),
          name: "b",
          path: ["__pregel_pull", "b"],
          error: null,
          interrupts: [],
          result: null,
          checkpoint: null,
        },
      ],
      checkpoint: { threadId: "t", checkpointNs: "", checkpointId: h.checkpoint.id },
      parentCheckpoint: { threadId: "t", checkpointNs: "", checkpointId: h.parentCheckpointId },
      metadata: h.metadata,
      createdAt: h.checkpoint.ts,
      interrupts: [],
    });
  });

  it("docs/semantics.md §4.2 an empty or unknown thread gives the empty snapshot", async () => {
    const s = await getState(chain(), new MemoryStore(), { threadId: "none" });
    expect(s).toEqual({
      values: {},
      next: [],
      tasks: [],
      checkpoint: null,
      parentCheckpoint: null,
      metadata: null,
      createdAt: null,
      interrupts: [],
    });
  });

  it("docs/semantics.md §4.2 an unknown checkpoint id throws CheckpointNotFoundError", async () => {
    const store = new MemoryStore();
    await runGraph(chain(), store, { threadId: "t", input: {} });
    await expect(
      getState(chain(), store, { threadId: "t", checkpointId: "1f1e5630-a0b4-65f0-8001-000000000001" }),
    ).rejects.toBeInstanceOf(CheckpointNotFoundError);
  });

  it("docs/semantics.md §4.3 the head applies finished tasks' writes and drops them from next; an explicit id shows stored values", async () => {
    const store = new MemoryStore();
    await runGraph(xyz(), store, { threadId: "t", input: {} });
    const s = await getState(xyz(), store, { threadId: "t" });
    expect(s.values.log).toEqual(["z"]);
    expect(s.next).toEqual(["x", "y"]);
    expect(s.interrupts.map((i) => i.value)).toEqual(["x?", "y?"]);
    const explicit = await getState(xyz(), store, {
      threadId: "t",
      checkpointId: s.checkpoint?.checkpointId as string,
    });
    expect(explicit.values.log).toEqual([]);
    expect(explicit.next).toEqual(["x", "y", "z"]);
  });

  it("docs/semantics.md §4.3 null-task writes are applied in every snapshot, head or explicit", async () => {
    const store = new MemoryStore();
    await runGraph(xyz(), store, { threadId: "t", input: {} });
    const ids = (await getState(xyz(), store, { threadId: "t" })).interrupts.map((i) => i.id);
    await runGraph(xyz(), store, {
      threadId: "t",
      command: new Command({ update: { log: ["upd"] }, resume: { [ids[0] as string]: "X" } }),
    });
    const cps = await allCheckpoints(store, "t");
    const base = cps[cps.length - 1];
    const explicit = await getState(xyz(), store, {
      threadId: "t",
      checkpointId: base?.checkpoint.id as string,
    });
    expect(explicit.values.log).toEqual(["upd"]);
    expect((await getState(xyz(), store, { threadId: "t" })).values.log).toEqual(["upd", "X", "z"]);
  });

  it("docs/semantics.md §4.4 tasks[].result shows a finished task's writes to state keys; error and interrupts come from writes", async () => {
    const store = new MemoryStore();
    await runGraph(xyz(), store, { threadId: "t", input: {} });
    const s = await getState(xyz(), store, { threadId: "t" });
    const byName = Object.fromEntries(s.tasks.map((t) => [t.name, t]));
    expect(byName.z?.result).toEqual({ log: ["z"] });
    expect(byName.x?.result).toBeNull();
    expect(byName.x?.interrupts[0]?.value).toBe("x?");
    expect(byName.z?.interrupts).toEqual([]);
    expect(byName.z?.error).toBeNull();
  });
});
