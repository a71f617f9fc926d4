/**
 * `npm run bench:engine`: Loom's graph engine against LangGraph.js in one process.
 *
 * The same three graphs are written twice, once with Loom's engine (`runGraph` over a `MemoryStore`) and once with
 * LangGraph.js 1.4.18 (`StateGraph` + `Annotation`, compiled with a `MemorySaver`):
 * - **chain3**: START → a → b → c → END, each node appending its name to `log` (list reducer);
 * - **fanout10**: START → f0 … f9 (one super-step) → join (a multi-source join edge) → END, each appending;
 * - **interrupt**: the `agent` example: START → human_node, which calls `interrupt({text_to_revise})`; the run stops,
 *   then it is resumed with `Command({resume: "Edited text"})` and returns `{some_text: "Edited text"}`.
 *
 * One iteration is one fresh thread (for `interrupt`: the interrupted run plus the resume). Both sides checkpoint
 * every super-step with `durability: "sync"` (LangGraph.js defaults to `"async"`; `--durability=async` sets both to
 * async), neither has an event sink, a stream or tracing; LangGraph is driven with `invoke`, Loom with `runGraph`.
 * Super-steps are counted as checkpoints written per iteration: before timing, one iteration of each graph runs on
 * each side and both histories are read back and must agree (same length, same `source`/`step` sequence, same final
 * values); the counts are printed. µs per step = slot time / (iterations × checkpoints per iteration).
 *
 * Fairness on a noisy 2-core machine: each graph gets an untimed warm-up (two slots per side, interleaved), then
 * `--rounds` rounds; a round is one Loom slot and one LangGraph slot of `--slot-ms` each (fresh threads until the time
 * is up), the order alternating between rounds. Before every slot a full GC runs (untimed) and the slot gets a fresh
 * store/saver, so one side's garbage and stored threads do not land on the other's clock. Reported figures are
 * medians over rounds; the ratio is median Loom steps/s ÷ median LangGraph steps/s (higher = Loom faster); the
 * median and range of the per-round ratios are shown too. The 5× target is reported, not asserted.
 *
 * Usage: `npm run bench:engine [-- --rounds=20 --slot-ms=250 --warmup-ms=1500 --durability=sync]` (≈ 45 s).
 * The last line printed is one JSON object.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import {
  Annotation,
  END as LG_END,
  START as LG_START,
  Command as LgCommand,
  StateGraph as LgStateGraph,
  interrupt as lgInterrupt,
  MemorySaver,
} from "@langchain/langgraph";
import {
  append,
  Command,
  END,
  type JsonValue,
  lastValue,
  runGraph,
  START,
  StateGraph,
} from "../src/engine/index.js";
import { MemoryStore } from "../src/store/memory.js";

const argValue = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const argNum = (name: string, fallback: number): number => {
  const v = argValue(name);
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const ROUNDS = Math.round(argNum("rounds", 20));
const SLOT_MS = argNum("slot-ms", 250);
const WARMUP_MS = argNum("warmup-ms", 1500);
const DURABILITY = argValue("durability") ?? "sync";
if (DURABILITY !== "sync" && DURABILITY !== "async") throw new Error("--durability must be sync or async");
const durability: "sync" | "async" = DURABILITY;
const FANOUT = 10;

/** A full GC between slots, so neither side pays for the other's garbage (`--expose-gc` set at run time). */
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench:engine: ${what}`);
}

/** One checkpoint as both sides describe it: `source:step`. */
type HistoryEntry = string;

/** One engine's version of a graph: a fresh store per slot, one iteration per fresh thread. */
interface Side {
  /** Replaces the store/saver (untimed, before each slot). */
  reset(): void;
  /** Runs one iteration on a new thread and checks its outcome (cheap checks only). */
  iterate(threadId: string): Promise<void>;
  /** The thread's checkpoints oldest first, and its final values (verification, untimed). */
  inspect(threadId: string): Promise<{ history: HistoryEntry[]; values: unknown }>;
}

interface Case {
  key: "chain3" | "fanout10" | "interrupt";
  label: string;
  loom: Side;
  langgraph: Side;
}

// ---------------------------------------------------------------------------------------------------------------
// Loom side

function loomSide(iterate: (store: MemoryStore, threadId: string) => Promise<void>): Side {
  let store = new MemoryStore();
  return {
    reset() {
      store = new MemoryStore();
    },
    iterate: (threadId) => iterate(store, threadId),
    async inspect(threadId) {
      const tuples = (await store.list({ threadId })).reverse();
      const head = await store.getTuple({ threadId });
      return {
        history: tuples.map((t) => `${t.metadata.source}:${t.metadata.step}`),
        values: head?.checkpoint.channelValues,
      };
    },
  };
}

function loomChain(): Side {
  const graph = new StateGraph({ log: append<string>() })
    .addNode("a", () => ({ log: ["a"] }))
    .addNode("b", () => ({ log: ["b"] }))
    .addNode("c", () => ({ log: ["c"] }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", END)
    .compile({ name: "chain3" });
  return loomSide(async (store, threadId) => {
    const r = await runGraph(graph, store, { threadId, input: { log: ["in"] }, durability });
    check(r.status === "success" && (r.values.log as JsonValue[]).length === 4, "loom chain3 result");
  });
}

function loomFanout(): Side {
  const names = Array.from({ length: FANOUT }, (_, i) => `f${i}`);
  const builder = new StateGraph({ log: append<string>() });
  for (const name of names) builder.addNode(name, () => ({ log: [name] })).addEdge(START, name);
  const graph = builder
    .addNode("join", () => ({ log: ["join"] }))
    .addEdge(names, "join")
    .addEdge("join", END)
    .compile({ name: "fanout10" });
  return loomSide(async (store, threadId) => {
    const r = await runGraph(graph, store, { threadId, input: { log: ["in"] }, durability });
    check(
      r.status === "success" && (r.values.log as JsonValue[]).length === FANOUT + 2,
      "loom fanout10 result",
    );
  });
}

function loomInterrupt(): Side {
  const graph = new StateGraph({ some_text: lastValue<string>() })
    .addNode("human_node", (state, ctx) => ({
      some_text: ctx.interrupt<string>({ text_to_revise: state.some_text ?? null }),
    }))
    .addEdge(START, "human_node")
    .addEdge("human_node", END)
    .compile({ name: "interrupt" });
  return loomSide(async (store, threadId) => {
    const first = await runGraph(graph, store, {
      threadId,
      input: { some_text: "original text" },
      durability,
    });
    check(first.status === "paused" && first.interrupts.length === 1, "loom interrupt: not interrupted");
    const second = await runGraph(graph, store, {
      threadId,
      command: new Command({ resume: "Edited text" }),
      durability,
    });
    check(second.status === "success" && second.values.some_text === "Edited text", "loom interrupt: resume");
  });
}

// ---------------------------------------------------------------------------------------------------------------
// LangGraph.js side

const LgList = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a: string[], b: string[]) => a.concat(b), default: () => [] }),
});
const LgText = Annotation.Root({ some_text: Annotation<string>() });

interface LgCompiled {
  invoke(input: unknown, config: Record<string, unknown>): Promise<Record<string, unknown>>;
}

function langgraphSide(
  compile: (saver: MemorySaver) => LgCompiled,
  iterate: (graph: LgCompiled, config: Record<string, unknown>) => Promise<void>,
): Side {
  let saver = new MemorySaver();
  let graph = compile(saver);
  const configOf = (threadId: string) => ({ configurable: { thread_id: threadId }, durability });
  return {
    reset() {
      saver = new MemorySaver();
      graph = compile(saver);
    },
    iterate: (threadId) => iterate(graph, configOf(threadId)),
    async inspect(threadId) {
      const tuples = [];
      for await (const t of saver.list({ configurable: { thread_id: threadId } })) tuples.push(t);
      tuples.reverse();
      return {
        history: tuples.map((t) => `${t.metadata?.source}:${t.metadata?.step}`),
        values: tuples.at(-1)?.checkpoint.channel_values,
      };
    },
  };
}

function langgraphChain(): Side {
  const compile = (saver: MemorySaver) =>
    new LgStateGraph(LgList)
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b", () => ({ log: ["b"] }))
      .addNode("c", () => ({ log: ["c"] }))
      .addEdge(LG_START, "a")
      .addEdge("a", "b")
      .addEdge("b", "c")
      .addEdge("c", LG_END)
      .compile({ checkpointer: saver, name: "chain3" }) as unknown as LgCompiled;
  return langgraphSide(compile, async (graph, config) => {
    const r = await graph.invoke({ log: ["in"] }, config);
    check((r.log as string[]).length === 4, "langgraph chain3 result");
  });
}

function langgraphFanout(): Side {
  const names = Array.from({ length: FANOUT }, (_, i) => `f${i}`);
  const nodes: Record<string, () => { log: string[] }> = {};
  for (const name of names) nodes[name] = () => ({ log: [name] });
  const compile = (saver: MemorySaver) => {
    const builder = new LgStateGraph(LgList).addNode(nodes).addNode("join", () => ({ log: ["join"] }));
    for (const name of names) builder.addEdge(LG_START, name);
    return builder
      .addEdge(names, "join")
      .addEdge("join", LG_END)
      .compile({ checkpointer: saver, name: "fanout10" }) as unknown as LgCompiled;
  };
  return langgraphSide(compile, async (graph, config) => {
    const r = await graph.invoke({ log: ["in"] }, config);
    check((r.log as string[]).length === FANOUT + 2, "langgraph fanout10 result");
  });
}

function langgraphInterrupt(): Side {
  const compile = (saver: MemorySaver) =>
    new LgStateGraph(LgText)
      .addNode("human_node", (state) => ({
        some_text: lgInterrupt<{ text_to_revise: string | null }, string>({
          text_to_revise: state.some_text ?? null,
        }),
      }))
      .addEdge(LG_START, "human_node")
      .addEdge("human_node", LG_END)
      .compile({ checkpointer: saver, name: "interrupt" }) as unknown as LgCompiled;
  return langgraphSide(compile, async (graph, config) => {
    const first = await graph.invoke({ some_text: "original text" }, config);
    check(
      Array.isArray(first.__interrupt__) && first.__interrupt__.length === 1,
      "langgraph interrupt: not interrupted",
    );
    const second = await graph.invoke(new LgCommand({ resume: "Edited text" }), config);
    check(second.some_text === "Edited text", "langgraph interrupt: resume");
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

/**
 * Final values as a comparable string, without engine-internal channels (`__start__`, `branch:…`, `join:…`); lists are
 * sorted unless `sortLists` is false (the order of writes inside one super-step is each engine's own business).
 */
function normalise(values: unknown, sortLists = true): string {
  const v = { ...(values as Record<string, unknown>) };
  for (const k of Object.keys(v)) {
    if (k.startsWith("__") || k.includes(":")) delete v[k];
    else if (sortLists && Array.isArray(v[k])) v[k] = [...(v[k] as string[])].sort();
  }
  return JSON.stringify(v, Object.keys(v).sort());
}

/** Runs one iteration on each side and checks that both wrote the same checkpoints; returns their number. */
async function verify(c: Case): Promise<number> {
  c.loom.reset();
  c.langgraph.reset();
  await c.loom.iterate("verify");
  await c.langgraph.iterate("verify");
  const loom = await c.loom.inspect("verify");
  const lg = await c.langgraph.inspect("verify");
  console.log(
    `${c.key.padEnd(9)} checkpoints per iteration: loom ${loom.history.length} [${loom.history.join(", ")}]`,
  );
  console.log(`${"".padEnd(9)} ${"".padEnd(26)}langgraph ${lg.history.length} [${lg.history.join(", ")}]`);
  check(loom.history.length === lg.history.length, `${c.key}: checkpoint counts differ`);
  check(loom.history.join() === lg.history.join(), `${c.key}: checkpoint sources/steps differ`);
  check(normalise(loom.values) === normalise(lg.values), `${c.key}: final values differ`);
  const same = normalise(loom.values, false) === normalise(lg.values, false);
  console.log(`${"".padEnd(36)}final values ${same ? "identical" : "equal up to list order within a step"}`);
  return loom.history.length;
}

/** Untimed GC and store reset, then iterations on fresh threads for at least `ms` (and at least 3 iterations). */
async function slot(side: Side, ms: number, tag: string): Promise<{ ms: number; iterations: number }> {
  side.reset();
  gc();
  const t0 = performance.now();
  const end = t0 + ms;
  let i = 0;
  let now = t0;
  while (now < end || i < 3) {
    await side.iterate(`${tag}-${i++}`);
    now = performance.now();
  }
  return { ms: now - t0, iterations: i };
}

interface Result {
  key: Case["key"];
  label: string;
  steps: number;
  loomIterations: number;
  lgIterations: number;
  loomUs: number;
  lgUs: number;
  ratio: number;
  pairedMedian: number;
  pairedMin: number;
  pairedMax: number;
}

async function measure(c: Case, steps: number): Promise<Result> {
  // Warm-up: two untimed slots per side, interleaved, so both are JIT-compiled before the first round.
  for (let w = 0; w < 2; w++) {
    await slot(c.loom, WARMUP_MS / 2, `wl${w}`);
    await slot(c.langgraph, WARMUP_MS / 2, `wg${w}`);
  }
  const loomUs: number[] = [];
  const lgUs: number[] = [];
  const paired: number[] = [];
  let loomIterations = 0;
  let lgIterations = 0;
  const runLoom = async (r: number) => {
    const s = await slot(c.loom, SLOT_MS, `l${r}`);
    loomIterations += s.iterations;
    loomUs.push((s.ms * 1000) / (s.iterations * steps));
  };
  const runLg = async (r: number) => {
    const s = await slot(c.langgraph, SLOT_MS, `g${r}`);
    lgIterations += s.iterations;
    lgUs.push((s.ms * 1000) / (s.iterations * steps));
  };
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      await runLoom(r);
      await runLg(r);
    } else {
      await runLg(r);
      await runLoom(r);
    }
    paired.push((lgUs[r] as number) / (loomUs[r] as number));
  }
  const loomMed = median(loomUs);
  const lgMed = median(lgUs);
  return {
    key: c.key,
    label: c.label,
    steps,
    loomIterations,
    lgIterations,
    loomUs: loomMed,
    lgUs: lgMed,
    ratio: 1e6 / loomMed / (1e6 / lgMed),
    pairedMedian: median(paired),
    pairedMin: Math.min(...paired),
    pairedMax: Math.max(...paired),
  };
}

function table(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i] as number)).join(" | ")} |`;
  return [
    line(rows[0] as string[]),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

async function main(): Promise<void> {
  const started = performance.now();
  for (const v of ["LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGCHAIN_TRACING"])
    if (process.env[v] === "true") console.warn(`warning: ${v}=true; LangGraph.js will trace and be slower`);
  const cases: Case[] = [
    { key: "chain3", label: "3-node chain", loom: loomChain(), langgraph: langgraphChain() },
    { key: "fanout10", label: "10-way fan-out/join", loom: loomFanout(), langgraph: langgraphFanout() },
    { key: "interrupt", label: "interrupt + resume", loom: loomInterrupt(), langgraph: langgraphInterrupt() },
  ];
  console.log(
    `bench:engine: Loom engine (MemoryStore) vs @langchain/langgraph 1.4.18 (MemorySaver), durability ${durability}, ` +
      `${ROUNDS} interleaved rounds × ~${SLOT_MS} ms per side, node ${process.version}, ${os.cpus().length} cores, ` +
      `load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
  );
  const steps = new Map<Case["key"], number>();
  for (const c of cases) steps.set(c.key, await verify(c));
  const results: Result[] = [];
  for (const c of cases) {
    const r = await measure(c, steps.get(c.key) as number);
    results.push(r);
    console.log(`  ${c.key}: done (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const rows = [
    [
      "graph",
      "steps/iter",
      "Loom steps/s",
      "Loom µs/step",
      "LangGraph steps/s",
      "LangGraph µs/step",
      "Loom/LangGraph",
      "per-round ratio: median (min–max)",
      "≥ 5×",
    ],
    ...results.map((r) => [
      r.label,
      String(r.steps),
      Math.round(1e6 / r.loomUs).toLocaleString("en-US"),
      r.loomUs.toFixed(1),
      Math.round(1e6 / r.lgUs).toLocaleString("en-US"),
      r.lgUs.toFixed(1),
      `${r.ratio.toFixed(2)}×`,
      `${r.pairedMedian.toFixed(2)}× (${r.pairedMin.toFixed(2)}–${r.pairedMax.toFixed(2)})`,
      r.ratio >= 5 ? "yes" : "no",
    ]),
  ];
  console.log();
  console.log(table(rows));
  console.log();
  console.log(
    `medians of ${ROUNDS} rounds; iterations timed (loom/langgraph): ` +
      results.map((r) => `${r.key} ${r.loomIterations}/${r.lgIterations}`).join(", ") +
      `; total ${((performance.now() - started) / 1000).toFixed(1)} s; load at end ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
  );
  const json: Record<string, string | number> = { bench: "engine" };
  for (const r of results) json[`${r.key}_ratio`] = round(r.ratio);
  for (const r of results) {
    json[`${r.key}_loom_us_per_step`] = round(r.loomUs);
    json[`${r.key}_langgraph_us_per_step`] = round(r.lgUs);
  }
  for (const r of results) json[`${r.key}_paired_ratio_median`] = round(r.pairedMedian);
  for (const r of results) json[`${r.key}_steps_per_iter`] = r.steps;
  json.durability = durability;
  json.rounds = ROUNDS;
  console.log(JSON.stringify(json));
}

await main();
