/**
 * The engine on the MongoDB store: the same runs produce the same checkpoint sequence as on MemoryStore (values,
 * metadata, parent links, pending writes), interrupts resume, forks work, a failed step resumes, and each super-step
 * costs one write command ("sync"), or a whole fast run one command ("async": one `insert`).
 */
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  append,
  type CheckpointStore,
  type CheckpointTuple,
  Command,
  END,
  type JsonObject,
  lastValue,
  runGraph,
  START,
  StateGraph,
  updateState,
} from "../../src/engine/index.js";
import { graph as agent } from "../../src/graphs/agent.js";
import { MemoryStore } from "../../src/store/memory.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";

let t: TestDb;
let client: MongoClient;
let mongo: MongoStore;
const commands: string[] = [];

beforeAll(async () => {
  t = await openTestDb("mongo_engine");
  client = await MongoClient.connect(t.uri, { monitorCommands: true });
  client.on("commandStarted", (e) => commands.push(e.commandName));
  mongo = createMongoStore({ client, dbName: t.dbName });
  await mongo.ensureIndexes();
});

afterAll(async () => {
  await client.close();
  await t.drop();
});

/** START → a → b → c; each node appends an awkward value to `log`. */
function chain() {
  const node = (name: string) => () => ({ log: [{ [`${name}.$key`]: name, n: -0 }], last: name });
  return new StateGraph({ log: append<JsonObject>(), last: lastValue<string>() })
    .addNode("a", node("a"))
    .addNode("b", node("b"))
    .addNode("c", node("c"))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END)
    .compile();
}

/** A store-independent view of a thread's history (ids replaced by their position). */
async function shape(store: CheckpointStore, threadId: string) {
  const all = (await store.list({ threadId })).reverse();
  const index = new Map(all.map((c, i) => [c.checkpoint.id, i]));
  return all.map((c: CheckpointTuple) => ({
    values: c.checkpoint.channelValues,
    versions: c.checkpoint.channelVersions,
    seen: c.checkpoint.versionsSeen,
    source: c.metadata.source,
    step: c.metadata.step,
    parent: c.parentCheckpointId === null ? null : index.get(c.parentCheckpointId),
    writes: c.pendingWrites.map((w) => [w.taskPath, w.channel, w.value]),
  }));
}

describe("engine on MongoDB", () => {
  it("a run writes the same checkpoints as on MemoryStore, one write command per super-step", async () => {
    const memory = new MemoryStore();
    await runGraph(chain(), memory, { threadId: "chain", input: { log: [] } });
    commands.length = 0;
    const result = await runGraph(chain(), mongo.checkpoints, { threadId: "chain", input: { log: [] } });
    expect(result.status).toBe("success");
    const writes = commands.filter((c) => c === "insert" || c === "update");
    const stored = await mongo.checkpoints.list({ threadId: "chain" });
    expect(stored).toHaveLength(5);
    expect(writes).toHaveLength(stored.length);
    expect(await shape(mongo.checkpoints, "chain")).toEqual(await shape(memory, "chain"));
  });

  it('durability "async": the 5 checkpoints of a 3-node run go in ONE insert command, same history as "sync"', async () => {
    await runGraph(chain(), mongo.checkpoints, { threadId: "chain-sync", input: { log: [] } });
    commands.length = 0;
    const result = await runGraph(chain(), mongo.checkpoints, {
      threadId: "chain-async",
      input: { log: [] },
      durability: "async",
    });
    expect(result.status).toBe("success");
    expect(commands.filter((c) => c === "insert" || c === "update")).toEqual(["insert"]);
    expect(await mongo.checkpoints.list({ threadId: "chain-async" })).toHaveLength(5);
    expect(await shape(mongo.checkpoints, "chain-async")).toEqual(
      await shape(mongo.checkpoints, "chain-sync"),
    );
  });

  it("an interrupt pauses and a Command resume finishes (agent graph)", async () => {
    const first = await runGraph(agent, mongo.checkpoints, {
      threadId: "hitl",
      input: { some_text: "original" },
    });
    expect(first.status).toBe("paused");
    expect(first.interrupts[0]?.value).toEqual({ text_to_revise: "original" });
    const second = await runGraph(agent, mongo.checkpoints, {
      threadId: "hitl",
      command: new Command({ resume: "Edited" }),
    });
    expect(second.status).toBe("success");
    expect(second.values).toEqual({ some_text: "Edited" });
  });

  it("update_state forks from an earlier checkpoint and the fork continues, as on MemoryStore", async () => {
    const memory = new MemoryStore();
    for (const store of [memory, mongo.checkpoints]) {
      await runGraph(chain(), store, { threadId: "fork", input: { log: [] } });
      const at1 = (await store.list({ threadId: "fork", metadata: { step: 1 } }))[0]?.checkpoint.id as string;
      await updateState(chain(), store, {
        threadId: "fork",
        values: { last: "edited" },
        asNode: "a",
        checkpointId: at1,
      });
      await runGraph(chain(), store, { threadId: "fork", input: null });
    }
    expect(await shape(mongo.checkpoints, "fork")).toEqual(await shape(memory, "fork"));
  });

  it("a failed step keeps the finished sibling's writes and a rerun only re-executes the failed task", async () => {
    const calls: Record<string, number> = {};
    let fail = true;
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ok", () => {
        calls.ok = (calls.ok ?? 0) + 1;
        return { log: ["ok"] };
      })
      .addNode("flaky", async () => {
        calls.flaky = (calls.flaky ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 20));
        if (fail) throw new Error("boom");
        return { log: ["flaky"] };
      })
      .addEdge(START, "ok")
      .addEdge(START, "flaky")
      .compile();
    const first = await runGraph(graph, mongo.checkpoints, { threadId: "partial", input: { log: [] } });
    expect(first.status).toBe("error");
    const head = await mongo.checkpoints.getTuple({ threadId: "partial" });
    expect(head?.pendingWrites.map((w) => w.channel).sort()).toEqual(["__error__", "log"]);
    fail = false;
    const second = await runGraph(graph, mongo.checkpoints, { threadId: "partial", input: null });
    expect(second.status).toBe("success");
    expect([...(second.values.log as string[])].sort()).toEqual(["flaky", "ok"]);
    expect(calls).toEqual({ ok: 1, flaky: 2 });
  });
});

describe("crash during a super-step's save", () => {
  /** START → (left ∥ right) → join; counts executions. */
  function fanOut(calls: Record<string, number>) {
    const node = (name: string) => () => {
      calls[name] = (calls[name] ?? 0) + 1;
      return { log: [name] };
    };
    return new StateGraph({ log: append<string>() })
      .addNode("left", node("left"))
      .addNode("right", node("right"))
      .addNode("join", node("join"))
      .addEdge(START, "left")
      .addEdge(START, "right")
      .addEdge("left", "join")
      .addEdge("right", "join")
      .addEdge("join", END)
      .compile();
  }

  /** The store, failing the put of the step-1 checkpoint once, either before sending or after the child insert. */
  function crashing(point: "before" | "between"): CheckpointStore {
    let crashed = false;
    return {
      ...mongo.checkpoints,
      async put(input) {
        if (!crashed && input.metadata.step === 1) {
          crashed = true;
          if (point === "between") {
            const { parentWrites: _dropped, ...childOnly } = input;
            await mongo.checkpoints.put(childOnly);
          }
          throw new Error(`simulated crash ${point} the checkpoint`);
        }
        return mongo.checkpoints.put(input);
      },
    };
  }

  for (const point of ["before", "between"] as const) {
    it(`a crash ${point} the checkpoint leaves a thread that resumes to the same final state`, async () => {
      const calls: Record<string, number> = {};
      const threadId = `crash-${point}`;
      await expect(
        runGraph(fanOut(calls), crashing(point), { threadId, input: { log: [] } }),
      ).rejects.toThrow(/simulated crash/);
      const resumed = await runGraph(fanOut(calls), mongo.checkpoints, { threadId, input: null });
      expect(resumed.status).toBe("success");
      expect([...(resumed.values.log as string[])].sort()).toEqual(["join", "left", "right"]);
      expect(calls.join).toBe(1);
      // Before: the finished sibling's write was saved, so only the task whose writes were lost re-runs.
      expect((calls.left ?? 0) + (calls.right ?? 0)).toBe(point === "before" ? 3 : 2);
    });
  }
});

describe("copyThreadCheckpoints", () => {
  it("copies every checkpoint with its writes and parent links in one command", async () => {
    await runGraph(chain(), mongo.checkpoints, { threadId: "copy-src", input: { log: [] } });
    const head = await mongo.checkpoints.getTuple({ threadId: "copy-src" });
    if (!head) throw new Error("no head");
    await mongo.checkpoints.put({
      threadId: "copy-src",
      checkpointNs: "sub:1",
      checkpoint: head.checkpoint,
      metadata: head.metadata,
      parentCheckpointId: null,
    });
    commands.length = 0;
    await mongo.copyThreadCheckpoints("copy-src", "copy-dst");
    expect(commands).toEqual(["aggregate"]);
    const source = await mongo.checkpoints.list({ threadId: "copy-src" });
    const copied = await mongo.checkpoints.list({ threadId: "copy-dst" });
    expect(
      copied.map((c) => ({ ...c, threadId: "copy-src", metadata: { ...c.metadata, thread_id: undefined } })),
    ).toEqual(source.map((c) => ({ ...c, metadata: { ...c.metadata, thread_id: undefined } })));
    expect(copied.every((c) => c.metadata.thread_id === "copy-dst")).toBe(true);
    expect(await mongo.checkpoints.list({ threadId: "copy-dst", checkpointNs: "sub:1" })).toHaveLength(1);
  });
});
