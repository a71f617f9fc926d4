/**
 * `writeBatch` on the MongoDB store (src/store/mongo/checkpoint-batch.ts): writes to checkpoints of the batch are
 * merged into their documents, so a batch with nothing outside is ONE `insert` command and one with a write outside
 * is ONE `update` command with fewer statements; the errors of the calls one by one (taken id, run fence, missing
 * checkpoint, checks before sending, sizes after merging) stop it at the same write with the same outcome; and what
 * is stored reads back exactly as the calls one by one store it.
 */
import { BSON, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  append,
  CheckpointConflictError,
  CheckpointNotFoundError,
  type CheckpointStore,
  Command,
  END,
  type JsonObject,
  runGraph,
  START,
  StateGraph,
  type StoreWrite,
} from "../../src/engine/index.js";
import { CheckpointOrderError, DocumentTooLargeError } from "../../src/store/errors.js";
import { createMongoStore, type MongoStore } from "../../src/store/mongo/index.js";
import { openTestDb, type TestDb } from "../support/mongo.js";
import { checkpointInput, nextId, write } from "./mongo-fixtures.js";

let t: TestDb;
let client: MongoClient;
let mongo: MongoStore;
/** `<command> <statements or documents>` of every command started on the checkpoints collection. */
const commands: string[] = [];

beforeAll(async () => {
  t = await openTestDb("mongo_batch");
  client = await MongoClient.connect(t.uri, { monitorCommands: true });
  client.on("commandStarted", (e) => {
    if (e.command[e.commandName] === "checkpoints")
      commands.push(`${e.commandName} ${(e.command.updates ?? e.command.documents ?? []).length}`);
  });
  mongo = createMongoStore({ client, dbName: t.dbName });
  await mongo.ensureIndexes();
});

afterAll(async () => {
  await client.close();
  await t.drop();
});

function batchOf(store: CheckpointStore): (writes: StoreWrite[]) => Promise<void> {
  return async (writes) => {
    if (!store.writeBatch) throw new Error("no writeBatch");
    await store.writeBatch(writes);
  };
}

const put = (input: ReturnType<typeof checkpointInput>): StoreWrite => ({ kind: "put", input });
const ref = (threadId: string, checkpointId: string) => ({ threadId, checkpointNs: "", checkpointId });
const putWrites = (
  threadId: string,
  checkpointId: string,
  writes: ReturnType<typeof write>[],
): StoreWrite => ({
  kind: "putWrites",
  ref: ref(threadId, checkpointId),
  writes,
});

/** `[id, [taskId:idx=value …]]` of each checkpoint of the thread, newest first. */
async function stored(store: CheckpointStore, threadId: string) {
  return (await store.list({ threadId })).map((x) => [
    x.checkpoint.id,
    x.pendingWrites.map((w) => `${w.taskId}:${w.idx}=${JSON.stringify(w.value)}`),
  ]);
}

/**
 * The thread's raw documents oldest first, as comparable across threads: no `_id`/times, the thread id as `T`,
 * the pending writes as `[key, write]` ordered by `(task_path, idx)`, and every id (checkpoint and task uuids,
 * interrupt hashes) replaced by its order of first appearance.
 */
async function rawDocs(threadId: string): Promise<unknown> {
  const docs = await t.db
    .collection("checkpoints")
    .find({ thread_id: threadId })
    .sort({ checkpoint_id: 1 })
    .toArray();
  const plain = docs.map(({ _id, created_at, ts, ...doc }) => ({
    ...doc,
    thread_id: "T",
    writes: Object.entries(doc.writes as Record<string, { task_path: string; idx: number }>).sort(
      ([, a], [, b]) => (a.task_path === b.task_path ? a.idx - b.idx : a.task_path < b.task_path ? -1 : 1),
    ),
  }));
  const ids = new Map<string, string>();
  const placeholder = (id: string): string => {
    if (!ids.has(id)) ids.set(id, `id${ids.size}`);
    return ids.get(id) as string;
  };
  return JSON.parse(
    JSON.stringify(plain).replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}/g,
      placeholder,
    ),
  );
}

describe("MongoDB writeBatch: commands", () => {
  it("a batch whose writes all target its own checkpoints is exactly ONE insert command, writes merged", async () => {
    const batch = batchOf(mongo.checkpoints);
    const a = checkpointInput("one", { metadata: { source: "input", step: -1 } });
    const b = checkpointInput("one", { parent: a.checkpoint.id, parentWrites: [write("t", 0, "x", 1)] });
    const c = checkpointInput("one", { parent: b.checkpoint.id });
    commands.length = 0;
    await batch([
      put(a),
      putWrites("one", a.checkpoint.id, [write("s", 0, "x", 2)]),
      put(b),
      put(c),
      putWrites("one", c.checkpoint.id, [write("u", -3, "__interrupt__", [])]),
    ]);
    // Unmerged this was one update command of 6 statements (a, its writes, b + b's parent writes, c, c's writes).
    expect(commands).toEqual(["insert 3"]);
    expect(await stored(mongo.checkpoints, "one")).toEqual([
      [c.checkpoint.id, ["u:-3=[]"]],
      [b.checkpoint.id, []],
      [a.checkpoint.id, ["s:0=2", "t:0=1"]],
    ]);
  });

  it('an "async" run on a fresh thread is one insert of its 5 checkpoints', async () => {
    commands.length = 0;
    const result = await runGraph(chain(), mongo.checkpoints, {
      threadId: "fresh-run",
      input: { log: [] },
      durability: "async",
    });
    expect(result.status).toBe("success");
    expect(commands.filter((c) => !c.startsWith("find"))).toEqual(["insert 5"]);
  });

  it("a write to a checkpoint outside the batch: ONE update command, the writes to its own checkpoints merged", async () => {
    const head = checkpointInput("outside");
    await mongo.checkpoints.put(head);
    const h = head.checkpoint.id;
    const c1 = checkpointInput("outside", { parent: h, parentWrites: [write("t", 0, "x", "on head")] });
    const c2 = checkpointInput("outside", {
      parent: c1.checkpoint.id,
      parentWrites: [write("u", 0, "x", "on c1")],
    });
    commands.length = 0;
    await batchOf(mongo.checkpoints)([
      putWrites("outside", h, [write("r", -4, "__resume__", "yes")]),
      put(c1),
      putWrites("outside", c1.checkpoint.id, [write("s", 0, "x", "also on c1")]),
      put(c2),
      putWrites("outside", c2.checkpoint.id, [write("v", -3, "__interrupt__", "on c2")]),
    ]);
    // The head's writes, c1 (with s and u), c1's parent writes on the head, c2 (with v): 4 statements, not 7.
    expect(commands).toEqual(["update 4"]);
    expect(await stored(mongo.checkpoints, "outside")).toEqual([
      [c2.checkpoint.id, ['v:-3="on c2"']],
      [c1.checkpoint.id, ['s:0="also on c1"', 'u:0="on c1"']],
      [h, ['r:-4="yes"', 't:0="on head"']],
    ]);
  });

  it("an async resume on the head (a write outside the batch) is one update command, same history as sync", async () => {
    const graph = new StateGraph({ log: append<string>() })
      .addNode("ask", (_s, ctx) => ({ log: [ctx.interrupt<string>("?")] }))
      .addNode("after", () => ({ log: ["after"] }))
      .addEdge(START, "ask")
      .addEdge("ask", "after")
      .addEdge("after", END)
      .compile();
    for (const durability of ["sync", "async"] as const) {
      const threadId = `resume-${durability}`;
      await runGraph(graph, mongo.checkpoints, { threadId, input: { log: [] }, durability });
      commands.length = 0;
      const done = await runGraph(graph, mongo.checkpoints, {
        threadId,
        command: new Command({ resume: "ok" }),
        durability,
      });
      expect(done.values.log).toEqual(["ok", "after"]);
      // The head's resume write, the checkpoint of `ask`, its parent writes on the head, the checkpoint of `after`
      // (with its parent writes merged into the one of `ask`): 4 statements, not 5.
      if (durability === "async") expect(commands.filter((c) => !c.startsWith("find"))).toEqual(["update 4"]);
    }
    expect(await rawDocs("resume-async")).toEqual(await rawDocs("resume-sync"));
  });
});

describe("MongoDB writeBatch: failures stop at the same write as the calls one by one", () => {
  it("a taken id in the middle of an insert: the documents before it are stored, nothing of it or after it", async () => {
    const batch = batchOf(mongo.checkpoints);
    const [a, b, taken, c] = [nextId(), nextId(), nextId(), nextId()] as [string, string, string, string];
    await mongo.checkpoints.put(checkpointInput("taken", { id: taken, values: { original: true } }));
    commands.length = 0;
    const error = await batch([
      put(checkpointInput("taken", { id: a })),
      putWrites("taken", a, [write("k", 0, "x", "kept"), write("k", -3, "__interrupt__", "kept")]),
      put(checkpointInput("taken", { id: b, parent: a, parentWrites: [write("pw", 0, "x", "kept")] })),
      put(checkpointInput("taken", { id: taken, parent: b, parentWrites: [write("late", 0, "x", "never")] })),
      putWrites("taken", a, [write("k", -3, "__interrupt__", "never"), write("late", 1, "x", "never")]),
      put(checkpointInput("taken", { id: c, parent: b })),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect((error as CheckpointConflictError).ref).toEqual(ref("taken", taken));
    // One insert (a, b, the taken one, c), then one update taking out of a and b what came after the taken id.
    expect(commands).toEqual(["insert 4", "update 2"]);
    expect(await stored(mongo.checkpoints, "taken")).toEqual([
      [taken, []],
      [b, []],
      [a, ['k:-3="kept"', 'k:0="kept"', 'pw:0="kept"']],
    ]);
    const takenDoc = await mongo.checkpoints.getTuple({ threadId: "taken", checkpointId: taken });
    expect(takenDoc?.checkpoint.channelValues).toEqual({ original: true });
  });

  it("the run fence refuses a second loop child of one parent in an insert batch: CheckpointConflictError", async () => {
    const meta = (source: "input" | "loop", step: number) => ({ source, step, run_id: "run-1" });
    const p = checkpointInput("fence", { metadata: meta("input", -1) });
    const first = checkpointInput("fence", {
      parent: p.checkpoint.id,
      metadata: meta("loop", 0),
      parentWrites: [write("t", 0, "x", 1)],
    });
    const second = checkpointInput("fence", {
      parent: p.checkpoint.id,
      metadata: meta("loop", 0),
      parentWrites: [write("t2", 0, "x", "never")],
    });
    commands.length = 0;
    const error = await batchOf(mongo.checkpoints)([put(p), put(first), put(second)]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect((error as CheckpointConflictError).ref.checkpointId).toBe(second.checkpoint.id);
    expect(commands).toEqual(["insert 3", "update 1"]);
    expect(await stored(mongo.checkpoints, "fence")).toEqual([
      [first.checkpoint.id, []],
      [p.checkpoint.id, ["t:0=1"]],
    ]);
  });

  it("putWrites to a missing checkpoint is a CheckpointNotFoundError that stops the batch there, inserting nothing", async () => {
    const batch = batchOf(mongo.checkpoints);
    const a = checkpointInput("missing");
    const missing = nextId();
    const later = checkpointInput("missing", { parent: a.checkpoint.id });
    commands.length = 0;
    const error = await batch([
      put(a),
      putWrites("missing", missing, [write("w", 0, "x", 1)]),
      put(later),
      putWrites("missing", a.checkpoint.id, [write("late", 0, "x", 1)]),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointNotFoundError);
    expect(error).toMatchObject({ threadId: "missing", checkpointId: missing });
    // a (with the late write merged), the probe, later: then the late write is taken out of a again.
    expect(commands).toEqual(["update 3", "update 1"]);
    expect(await stored(mongo.checkpoints, "missing")).toEqual([[a.checkpoint.id, []]]);
    expect(await mongo.db.collection("checkpoints").countDocuments({ thread_id: "missing" })).toBe(1);
  });

  it("a write refused before sending (order, size) sends the writes before it, then throws its error", async () => {
    const small = createMongoStore({ client, dbName: t.dbName, maxDocumentBytes: 4096 });
    const batch = batchOf(small.checkpoints);
    const a = checkpointInput("refused");
    const after = checkpointInput("refused", { parent: a.checkpoint.id });
    commands.length = 0;
    const tooLarge = await batch([
      put(a),
      put(checkpointInput("refused", { parent: a.checkpoint.id, values: { blob: "x".repeat(8192) } })),
      put(after),
    ]).catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(DocumentTooLargeError);
    expect(commands).toEqual(["insert 1"]);
    expect((await small.checkpoints.list({ threadId: "refused" })).map((x) => x.checkpoint.id)).toEqual([
      a.checkpoint.id,
    ]);
    const badOrder = checkpointInput("refused", { id: `0${a.checkpoint.id}`, parent: a.checkpoint.id });
    commands.length = 0;
    await expect(batch([put(badOrder), put(after)])).rejects.toBeInstanceOf(CheckpointOrderError);
    expect(commands).toEqual([]);
  });

  it("sizes are checked after merging: writes that would outgrow a checkpoint of the batch are refused, naming it", async () => {
    const small = createMongoStore({ client, dbName: t.dbName, maxDocumentBytes: 4096 });
    const batch = batchOf(small.checkpoints);
    const a = checkpointInput("outgrow-fresh");
    const id = a.checkpoint.id;
    // Each alone fits; the second one would take `a` past 4096 bytes.
    const first = write("w1", 0, "x", "1".repeat(2000));
    const second = write("w2", 0, "x", "2".repeat(2000));
    commands.length = 0;
    const error = await batch([
      put(a),
      putWrites("outgrow-fresh", id, [first]),
      putWrites("outgrow-fresh", id, [second]),
      put(checkpointInput("outgrow-fresh", { parent: id })),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentTooLargeError);
    expect((error as DocumentTooLargeError).what).toBe(`checkpoint ${id} with its pending writes`);
    expect((error as DocumentTooLargeError).sizeBytes).toBeGreaterThan(4096);
    expect(commands).toEqual(["insert 1"]);
    expect((await stored(small.checkpoints, "outgrow-fresh")).map(([cp, w]) => [cp, w?.length])).toEqual([
      [id, 1],
    ]);
    const doc = await small.db.collection("checkpoints").findOne({ thread_id: "outgrow-fresh" });
    expect(Object.keys(doc?.writes ?? {})).toEqual(["w1:0"]);

    // A put whose parent writes would outgrow its parent of the batch: the child is stored, the writes are not.
    const p = checkpointInput("outgrow-fresh-parent");
    const child = checkpointInput("outgrow-fresh-parent", {
      parent: p.checkpoint.id,
      parentWrites: [write("w2", 0, "x", "2".repeat(2000))],
    });
    const never = checkpointInput("outgrow-fresh-parent", { parent: child.checkpoint.id });
    commands.length = 0;
    const error2 = await batch([
      put(p),
      putWrites("outgrow-fresh-parent", p.checkpoint.id, [first]),
      put(child),
      put(never),
    ]).catch((e: unknown) => e);
    expect(error2).toBeInstanceOf(DocumentTooLargeError);
    expect((error2 as DocumentTooLargeError).what).toBe(
      `checkpoint ${p.checkpoint.id} with its pending writes`,
    );
    expect((error2 as DocumentTooLargeError).outcome).toBe(
      `checkpoint ${child.checkpoint.id} was stored, the parent's new writes were not`,
    );
    expect(commands).toEqual(["insert 2"]);
    expect(await stored(small.checkpoints, "outgrow-fresh-parent")).toEqual([
      [child.checkpoint.id, []],
      [p.checkpoint.id, [`w1:0=${JSON.stringify(first.value)}`]],
    ]);
  });

  it("a merged document's size is its real encoded size", async () => {
    // With the limit at the exact size of the merged document, the batch passes; one byte less, it is refused.
    const probe = createMongoStore({ client, dbName: t.dbName });
    const a = checkpointInput("exact-size-1", { id: nextId() });
    const writes = [
      write("w", 0, "x", { "a.b": "$x", n: 1.5 }),
      write("w", -3, "__interrupt__", ["é", null]),
    ];
    await batchOf(probe.checkpoints)([put(a), putWrites("exact-size-1", a.checkpoint.id, writes)]);
    const { _id, ...doc } =
      (await probe.db.collection("checkpoints").findOne({ thread_id: "exact-size-1" })) ?? {};
    const size = BSON.calculateObjectSize(doc);
    const again = (threadId: string) => [
      put({ ...a, threadId }),
      putWrites(threadId, a.checkpoint.id, writes),
    ];
    const fits = createMongoStore({ client, dbName: t.dbName, maxDocumentBytes: size });
    await batchOf(fits.checkpoints)(again("exact-size-2"));
    const tight = createMongoStore({ client, dbName: t.dbName, maxDocumentBytes: size - 1 });
    await expect(batchOf(tight.checkpoints)(again("exact-size-3"))).rejects.toBeInstanceOf(
      DocumentTooLargeError,
    );
  });

  it("parent writes that would outgrow a parent outside the batch stop the batch after storing the child", async () => {
    const parent = checkpointInput("outgrow-batch", { values: { blob: "p".repeat(9 * 1024 * 1024) } });
    await mongo.checkpoints.put(parent);
    const child = checkpointInput("outgrow-batch", {
      parent: parent.checkpoint.id,
      parentWrites: [write("t", 0, "blob", "q".repeat(8 * 1024 * 1024))],
    });
    const later = checkpointInput("outgrow-batch", { parent: child.checkpoint.id });
    const error = await batchOf(mongo.checkpoints)([
      put(child),
      putWrites("outgrow-batch", child.checkpoint.id, [write("late", 0, "x", "never")]),
      put(later),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentTooLargeError);
    expect((error as DocumentTooLargeError).outcome).toMatch(/was stored/);
    const head = await mongo.checkpoints.getTuple({ threadId: "outgrow-batch" });
    expect(head?.checkpoint.id).toBe(child.checkpoint.id);
    expect(head?.pendingWrites).toEqual([]);
  });
});

describe("MongoDB writeBatch: merged writes read back as the calls one by one store them", () => {
  it("retry rules when merging: the first regular write of a key stays, the last special one wins", async () => {
    const writes = (threadId: string, a: string, b: string): StoreWrite[] => [
      put(checkpointInput(threadId, { id: a })),
      putWrites(threadId, a, [
        write("t1", 0, "x", "first"),
        write("t1", 0, "x", "first, same call"),
        write("t1", -3, "__interrupt__", "first"),
        write("t1", -3, "__interrupt__", "second, same call"),
      ]),
      putWrites(threadId, a, [write("t1", 0, "x", "second"), write("t1", -1, "__error__", "error")]),
      put(
        checkpointInput(threadId, {
          id: b,
          parent: a,
          parentWrites: [write("t1", 0, "x", "third"), write("t1", -3, "__interrupt__", "third")],
        }),
      ),
      putWrites(threadId, a, [write("t1", 1, "y", "other idx"), write("t1", -1, "__error__", "last error")]),
    ];
    const [a, b] = [nextId(), nextId()];
    commands.length = 0;
    await batchOf(mongo.checkpoints)(writes("rules-batch", a, b));
    expect(commands).toEqual(["insert 2"]);
    for (const w of writes("rules-calls", a, b))
      await (w.kind === "put"
        ? mongo.checkpoints.put(w.input)
        : mongo.checkpoints.putWrites(w.ref, w.writes));
    expect(await stored(mongo.checkpoints, "rules-batch")).toEqual([
      [b, []],
      [a, ['t1:-3="third"', 't1:-1="last error"', 't1:0="first"', 't1:1="other idx"']],
    ]);
    expect(await rawDocs("rules-batch")).toEqual(await rawDocs("rules-calls"));
  });

  it('"async" runs store the same documents as "sync" runs (parallel tasks, escaping, breakpoints, interrupts)', async () => {
    const node = (name: string) => () => ({ log: [{ [`${name}.$key`]: "$value", n: -0, s: "\ud800" }] });
    const graph = new StateGraph({ log: append<JsonObject>() })
      .addNode("left", node("left"))
      .addNode("right", node("right"))
      .addNode("join", node("join"))
      .addNode("ask", (_s, ctx) => ({ log: [{ answer: ctx.interrupt<string>("?") }] }))
      .addEdge(START, "left")
      .addEdge(START, "right")
      .addEdge("left", "join")
      .addEdge("right", "join")
      .addEdge("join", "ask")
      .addEdge("ask", END)
      .compile({ interruptAfter: ["join"] });
    for (const durability of ["sync", "async"] as const) {
      const threadId = `same-${durability}`;
      await runGraph(graph, mongo.checkpoints, { threadId, input: { log: [] }, durability });
      await runGraph(graph, mongo.checkpoints, { threadId, input: null, durability });
      await runGraph(graph, mongo.checkpoints, {
        threadId,
        command: new Command({ resume: "$ok" }),
        durability,
      });
    }
    const sync = await rawDocs("same-sync");
    expect((sync as unknown[]).length).toBe(5);
    expect(await rawDocs("same-async")).toEqual(sync);
    const tuples = async (threadId: string) =>
      JSON.stringify(await mongo.checkpoints.list({ threadId }))
        .replaceAll(threadId, "T")
        .replace(
          /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|"ts":"[^"]*"/g,
          "ID",
        );
    expect(await tuples("same-async")).toEqual(await tuples("same-sync"));
  });
});

/** START → a → b → c. */
function chain() {
  const node = (name: string) => () => ({ log: [{ name }] });
  return new StateGraph({ log: append<JsonObject>() })
    .addNode("a", node("a"))
    .addNode("b", node("b"))
    .addNode("c", node("c"))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END)
    .compile();
}
