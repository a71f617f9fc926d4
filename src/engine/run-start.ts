/**
 * Where a run starts (docs/semantics.md §1.9, §1.10, §2.5, §2.7, §3.6–§3.9, §7.1–§7.4): new input, Command,
 * plain continue, or replay with a fork. Writes the input/fork checkpoint or the Command's null-task writes.
 */

import { applyWrites, emptyCheckpoint } from "./apply.js";
import { markBreakpointsSeen } from "./breakpoints.js";
import {
  type CheckpointTuple,
  type JsonValue,
  NULL_TASK_ID,
  type PendingWrite,
  SPECIAL_WRITE_IDX,
} from "./checkpoint.js";
import { Command, isResumeMap } from "./command.js";
import { RESUME, START } from "./constants.js";
import { InvalidUpdateError, MultipleInterruptsError } from "./errors.js";
import type { ResumeSource } from "./interrupt.js";
import { applyNullWrites, isDone, taskInterrupts, writesByTask } from "./pending.js";
import { prepareTasks, stateValues } from "./prepare.js";
import { saveCheckpoint } from "./run-io.js";
import type { LoopStart, RunContext } from "./run-types.js";
import { gotoWrites, normalizeOutput, prepareInput } from "./writers.js";

/** The ids of the interrupts still pending at `tuple` (tasks that interrupted and have not finished). */
export function pendingInterruptIds(ctx: RunContext, tuple: CheckpointTuple): string[] {
  const cp = applyNullWrites(tuple.checkpoint, ctx.graph, tuple.pendingWrites);
  const byTask = writesByTask(tuple.pendingWrites);
  return prepareTasks(cp, ctx.graph, { step: tuple.metadata.step + 1, checkpointNs: ctx.checkpointNs })
    .filter((t) => !isDone(byTask.get(t.id)))
    .flatMap((t) => taskInterrupts(byTask.get(t.id)))
    .flatMap((i) =>
      i && typeof i === "object" && !Array.isArray(i) && typeof i.id === "string" ? [i.id] : [],
    );
}

/** New input (docs/semantics.md §1.9, §1.10, §7.4): pending tasks of `base` are discarded; writes the `input` checkpoint. */
export async function startWithInput(
  ctx: RunContext,
  base: CheckpointTuple | undefined,
  input: JsonValue,
): Promise<LoopStart> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidUpdateError(`Expected the input to be an object, got ${JSON.stringify(input)}`);
  }
  const cp = base ? applyNullWrites(base.checkpoint, ctx.graph, base.pendingWrites) : emptyCheckpoint();
  const discard = base
    ? prepareTasks(cp, ctx.graph, { step: base.metadata.step + 1, checkpointNs: ctx.checkpointNs }).map(
        (t) => ({
          name: t.name,
          path: t.path,
          triggers: t.triggers,
          writes: [],
        }),
      )
    : [];
  const { checkpoint } = applyWrites(cp, ctx.graph, [
    ...discard,
    { name: "__input__", path: [], triggers: [], writes: [[START, prepareInput(ctx.graph, input)]] },
  ]);
  const step = base ? base.metadata.step + 1 : -1;
  const tuple = await saveCheckpoint(ctx, checkpoint, "input", step, base?.checkpoint.id ?? null);
  return { tuple, working: tuple.checkpoint };
}

/**
 * Continue with `input: null` (docs/semantics.md §2.5, §2.7, §7.1, §7.2). Returns `undefined` when there is nothing to run.
 * From a non-head checkpoint whose source is not `update`/`fork`, writes a `fork` copy (step + 1, parent C) and
 * runs from it, dropping C's pending writes (resume values, interrupts, task results): every task re-runs.
 */
export async function startContinue(
  ctx: RunContext,
  base: CheckpointTuple | undefined,
  isHead: boolean,
): Promise<LoopStart | undefined> {
  if (!base) return undefined;
  const keep = isHead
    ? base.pendingWrites
    : base.pendingWrites.filter((w) => w.taskId === NULL_TASK_ID && w.channel !== RESUME);
  const cp = applyNullWrites(base.checkpoint, ctx.graph, keep);
  const step = base.metadata.step + 1;
  if (prepareTasks(cp, ctx.graph, { step, checkpointNs: ctx.checkpointNs }).length === 0) return undefined;
  ctx.emitter.emit("values", stateValues(cp, ctx.graph));
  if (!isHead && base.metadata.source !== "update" && base.metadata.source !== "fork") {
    const tuple = await saveCheckpoint(ctx, cp, "fork", step, base.checkpoint.id);
    return { tuple, working: markBreakpointsSeen(tuple.checkpoint) };
  }
  return { tuple: { ...base, pendingWrites: keep }, working: markBreakpointsSeen(cp) };
}

function commandWrites(ctx: RunContext, command: Command, existing: readonly PendingWrite[]): PendingWrite[] {
  const update = normalizeOutput(ctx.graph, "Command", new Command({ update: command.update })).update;
  const entries: Array<readonly [string, JsonValue]> = [...update, ...gotoWrites(ctx.graph, command.goto)];
  let idx = existing.filter((w) => w.taskId === NULL_TASK_ID && w.idx >= 0).length;
  const writes: PendingWrite[] = entries.map(([channel, value]) => ({
    taskId: NULL_TASK_ID,
    taskPath: "",
    idx: idx++,
    channel,
    value,
  }));
  if (command.resume !== undefined) {
    writes.push({
      taskId: NULL_TASK_ID,
      taskPath: "",
      idx: SPECIAL_WRITE_IDX[RESUME] as number,
      channel: RESUME,
      value: command.resume,
    });
  }
  return writes;
}

/**
 * A `Command` run (docs/semantics.md §3.6–§3.9): any Command on a thread with checkpoints is a resume. A plain resume while several
 * interrupts are pending throws `MultipleInterruptsError`. The command's update/goto/resume are saved as null-task
 * writes on the base checkpoint and applied before tasks are prepared. On a fresh thread a Command with only
 * `resume` does nothing (returns `undefined`); with `update`/`goto` it first writes an empty `input` checkpoint.
 */
export async function startWithCommand(
  ctx: RunContext,
  base: CheckpointTuple | undefined,
  command: Command,
): Promise<LoopStart | undefined> {
  const hasWrites = command.update !== undefined || command.goto.length > 0;
  if (!base && !hasWrites) return undefined;
  const resume = command.resume;
  if (base && resume !== undefined && !isResumeMap(resume)) {
    const ids = pendingInterruptIds(ctx, base);
    if (ids.length > 1) throw new MultipleInterruptsError(ids);
  }
  const existing = (base?.pendingWrites ?? []).filter(
    (w) => !(w.taskId === NULL_TASK_ID && w.channel === RESUME),
  );
  const writes = commandWrites(ctx, command, existing);
  const tuple = base ?? (await saveCheckpoint(ctx, emptyCheckpoint(), "input", -1, null));
  if (writes.length > 0) {
    const ref = { threadId: ctx.threadId, checkpointNs: ctx.checkpointNs, checkpointId: tuple.checkpoint.id };
    await ctx.writes.write({ kind: "putWrites", ref, writes });
  }
  const pendingWrites = [...existing, ...writes];
  const working = markBreakpointsSeen(applyNullWrites(tuple.checkpoint, ctx.graph, pendingWrites));
  const source: ResumeSource | undefined =
    resume === undefined
      ? undefined
      : isResumeMap(resume)
        ? { map: resume }
        : { plain: { value: resume, consumed: false } };
  ctx.emitter.emit("values", stateValues(working, ctx.graph));
  return { tuple: { ...tuple, pendingWrites }, working, ...(source ? { resume: source } : {}) };
}
