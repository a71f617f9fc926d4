/**
 * The super-step loop (docs/semantics.md §1.4–§1.6, §1.13, §1.14, §2.1, §2.2, §3.2): prepare → breakpoint check →
 * execute (saving writes as each task finishes) → apply → save one `loop` checkpoint → breakpoint check.
 */

import { applyWrites } from "./apply.js";
import { shouldInterrupt } from "./breakpoints.js";
import type { CheckpointTuple, JsonValue, PendingWrite } from "./checkpoint.js";
import { GraphAbortedError, GraphRecursionError } from "./errors.js";
import { interruptsJson, taskPayload, taskResultPayload } from "./events.js";
import { type ResumeSource, toInterrupt } from "./interrupt.js";
import { isDone, taskResume, writesByTask } from "./pending.js";
import { type PreparedTask, prepareTasks, stateValues } from "./prepare.js";
import { saveCheckpoint } from "./run-io.js";
import { executeTask, type TaskOutcome } from "./run-task.js";
import type { LoopStart, RunContext, RunResult } from "./run-types.js";

function result(
  ctx: RunContext,
  tuple: CheckpointTuple,
  working: CheckpointTuple["checkpoint"],
  extra: Partial<RunResult> & Pick<RunResult, "status">,
): RunResult {
  return {
    values: stateValues(working, ctx.graph),
    interrupts: [],
    next: [],
    checkpoint: { threadId: ctx.threadId, checkpointNs: ctx.checkpointNs, checkpointId: tuple.checkpoint.id },
    ...extra,
  };
}

/**
 * The state with the writes of the step's finished tasks applied, as the head snapshot shows it (docs/semantics.md §4.3): used as
 * the result of a run that stopped mid-step (interrupt or failure). Falls back to the step's state when those
 * writes cannot be applied together.
 */
function valuesWithDone(
  ctx: RunContext,
  working: CheckpointTuple["checkpoint"],
  tasks: readonly PreparedTask[],
  pending: ReadonlyMap<string, PendingWrite[]>,
  outcomes: ReadonlyMap<string, TaskOutcome>,
): Record<string, JsonValue> {
  const done = tasks.flatMap((t) => {
    const o = outcomes.get(t.id);
    const writes = o
      ? o.kind === "done"
        ? o.writes
        : undefined
      : isDone(pending.get(t.id))
        ? pending.get(t.id)
        : undefined;
    return writes
      ? [
          {
            name: t.name,
            path: t.path,
            triggers: t.triggers,
            writes: writes.map((w) => [w.channel, w.value] as const),
          },
        ]
      : [];
  });
  if (done.length === 0) return stateValues(working, ctx.graph);
  try {
    return stateValues(applyWrites(working, ctx.graph, done).checkpoint, ctx.graph);
  } catch {
    return stateValues(working, ctx.graph);
  }
}

interface StepOutcome {
  outcomes: Map<string, TaskOutcome>;
  deferred: PendingWrite[] | undefined;
}

async function executeStep(
  ctx: RunContext,
  tuple: CheckpointTuple,
  tasks: readonly PreparedTask[],
  pending: ReadonlyMap<string, PendingWrite[]>,
  resume: ResumeSource | undefined,
  state: Record<string, JsonValue>,
): Promise<StepOutcome> {
  const step = tuple.metadata.step + 1;
  const ref = { threadId: ctx.threadId, checkpointNs: ctx.checkpointNs, checkpointId: tuple.checkpoint.id };
  const outcomes = new Map<string, TaskOutcome>();
  const saves: Promise<unknown>[] = [];
  let remaining = tasks.length;
  let deferred: PendingWrite[] | undefined;
  await Promise.all(
    tasks.map(async (task) => {
      ctx.emitter.emitWithDebug("tasks", step, "task", () => taskPayload(task));
      const runTask = () =>
        executeTask(task, {
          graph: ctx.graph,
          threadId: ctx.threadId,
          checkpointNs: ctx.checkpointNs,
          checkpointId: tuple.checkpoint.id,
          ...(ctx.runSubgraph ? { runSubgraph: ctx.runSubgraph } : {}),
          ...(ctx.itemStore ? { store: ctx.itemStore } : {}),
          step,
          state,
          config: ctx.config,
          context: ctx.context,
          signal: ctx.signal,
          savedResume: taskResume(pending.get(task.id)),
          ...(resume ? { resume } : {}),
          onCustom: (chunk) => ctx.emitter.emit("custom", chunk),
          messages: ctx.messages.task(task, step),
        });
      const outcome = ctx.tracer
        ? await ctx.tracer.task(
            { name: task.name, taskId: task.id, step, checkpointNs: ctx.checkpointNs },
            runTask,
          )
        : await runTask();
      outcomes.set(task.id, outcome);
      remaining -= 1;
      const allDone = [...outcomes.values()].every((o) => o.kind === "done");
      if (remaining === 0 && allDone && !ctx.signal.aborted) deferred = outcome.writes;
      else {
        const save = ctx.writes.write({ kind: "putWrites", ref, writes: outcome.writes });
        // Observed below by `Promise.all(saves)`; the no-op handler keeps an early failure from being "unhandled".
        save.catch(() => undefined);
        saves.push(save);
      }
      ctx.emitter.emitWithDebug("tasks", step, "task_result", () =>
        taskResultPayload(
          task,
          outcome.kind === "done" ? (outcome.update ?? {}) : null,
          outcome.kind === "error" ? `${outcome.error.name}: ${outcome.error.message}` : null,
          outcome.kind === "interrupt"
            ? outcome.interrupts.flatMap((i) => toInterrupt(i, task.name, task.id, ctx.checkpointNs) ?? [])
            : [],
        ),
      );
    }),
  );
  await Promise.all(saves);
  return { outcomes, deferred };
}

/** Saves the writes of the step's last task on their own (the step ends without a checkpoint). */
function saveDeferred(ctx: RunContext, tuple: CheckpointTuple, writes: PendingWrite[]): Promise<unknown> {
  const ref = { threadId: ctx.threadId, checkpointNs: ctx.checkpointNs, checkpointId: tuple.checkpoint.id };
  return ctx.writes.write({ kind: "putWrites", ref, writes });
}

/**
 * Runs super-steps from `start` until no task is left, a breakpoint or interrupt pauses the run, a task fails,
 * the recursion limit is hit or the signal aborts. Store failures propagate (throw); everything else is reported
 * in the result.
 */
export async function runLoop(ctx: RunContext, start: LoopStart): Promise<RunResult> {
  let { tuple, working } = start;
  let resume = start.resume;
  let pending = writesByTask(tuple.pendingWrites);
  let stepsRun = 0;
  const { graph, emitter } = ctx;
  for (;;) {
    const failure = ctx.writes.failure();
    if (failure) throw failure.error;
    const step = tuple.metadata.step + 1;
    const tasks = prepareTasks(working, graph, { step, checkpointNs: ctx.checkpointNs });
    const names = tasks.map((t) => t.name);
    const notDone = tasks.filter((t) => !isDone(pending.get(t.id)));
    if (tasks.length === 0) return result(ctx, tuple, working, { status: "success" });
    if (ctx.signal.aborted) {
      return result(ctx, tuple, working, {
        status: "error",
        error: new GraphAbortedError(),
        next: notDone.map((t) => t.name),
      });
    }
    if (shouldInterrupt(working, graph, ctx.interruptBefore, names)) {
      emitter.emit("updates", { __interrupt__: [] });
      return result(ctx, tuple, working, { status: "paused", next: notDone.map((t) => t.name) });
    }
    if (stepsRun >= ctx.recursionLimit) {
      return result(ctx, tuple, working, {
        status: "error",
        error: new GraphRecursionError(ctx.recursionLimit),
        next: notDone.map((t) => t.name),
      });
    }
    stepsRun += 1;
    const state = stateValues(working, graph);
    const runStep = () => executeStep(ctx, tuple, notDone, pending, resume, state);
    const { outcomes, deferred } = ctx.tracer
      ? await ctx.tracer.step(
          { step, checkpointNs: ctx.checkpointNs, tasks: notDone.map((t) => t.name) },
          runStep,
        )
      : await runStep();
    const failed = notDone.map((t) => outcomes.get(t.id)).find((o) => o?.kind === "error");
    const stillPending = notDone.filter((t) => outcomes.get(t.id)?.kind !== "done").map((t) => t.name);
    if (failed?.kind === "error") {
      const values = valuesWithDone(ctx, working, tasks, pending, outcomes);
      return result(ctx, tuple, working, {
        status: "error",
        error: failed.error,
        next: stillPending,
        values,
      });
    }
    const interruptedTasks = notDone.filter((t) => outcomes.get(t.id)?.kind === "interrupt");
    const interrupts = interruptedTasks.flatMap((t) => {
      const o = outcomes.get(t.id);
      return o?.kind === "interrupt"
        ? o.interrupts.flatMap((i) => toInterrupt(i, t.name, t.id, ctx.checkpointNs) ?? [])
        : [];
    });
    if (interruptedTasks.length > 0) {
      const values = valuesWithDone(ctx, working, tasks, pending, outcomes);
      emitter.emit("updates", { __interrupt__: interruptsJson(interrupts) });
      emitter.emit("values", { ...values, __interrupt__: interruptsJson(interrupts) });
      return result(ctx, tuple, working, { status: "paused", interrupts, next: stillPending, values });
    }
    if (ctx.signal.aborted) {
      if (deferred) await saveDeferred(ctx, tuple, deferred);
      return result(ctx, tuple, working, { status: "error", error: new GraphAbortedError(), next: [] });
    }
    const taskWrites = tasks.map((t) => {
      const o = outcomes.get(t.id);
      const writes = o ? o.writes : (pending.get(t.id) ?? []);
      return {
        name: t.name,
        path: t.path,
        triggers: t.triggers,
        writes: writes.map((w) => [w.channel, w.value] as const),
      };
    });
    let next: CheckpointTuple["checkpoint"];
    try {
      next = applyWrites(working, graph, taskWrites).checkpoint;
    } catch (e) {
      if (deferred) await saveDeferred(ctx, tuple, deferred);
      return result(ctx, tuple, working, { status: "error", error: e as Error, next: names });
    }
    tuple = await saveCheckpoint(ctx, next, "loop", step, tuple.checkpoint.id, deferred);
    working = tuple.checkpoint;
    pending = new Map();
    resume = undefined;
    for (const t of notDone) {
      const o = outcomes.get(t.id);
      if (o?.kind === "done" && !graph.nodes.get(t.name)?.hidden)
        emitter.emit("updates", { [t.name]: o.update });
    }
    emitter.emit("values", stateValues(working, graph));
    if (shouldInterrupt(working, graph, ctx.interruptAfter, names)) {
      emitter.emit("updates", { __interrupt__: [] });
      const after = prepareTasks(working, graph, { step: step + 1, checkpointNs: ctx.checkpointNs });
      return result(ctx, tuple, working, { status: "paused", next: after.map((t) => t.name) });
    }
  }
}
