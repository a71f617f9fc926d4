/**
 * The RunsService cancel handlers (docs/api.md §5): `cancel` one run, `cancelMany` by status or by thread and ids.
 * The action is `interrupt` (default) or `rollback`.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { CancelRunsRequest, RunsService } from "../../../gen/ts/loom/v1/runs_pb.js";
import { RunNotFoundError } from "../../store/errors.js";
import { ACTIVE_RUN_STATUSES, type CancelAction, type RunStatus } from "../../store/records.js";
import { InvalidInputError } from "../errors.js";
import { requireUuid } from "../validate.js";
import type { RunsServiceDeps } from "./deps.js";

type Handlers = ServiceImpl<typeof RunsService>;

type Target = { runId: string; threadId: string; status: RunStatus };

/**
 * The runs `cancelMany` names: every run with the filter's `status` (`pending`, `running` or `all` active ones, and
 * then neither `thread_id` nor `run_ids`), else the listed `run_ids` of `thread_id`, each looked up first so an
 * unknown one is NotFound and nothing is cancelled.
 * @throws InvalidInputError, RunNotFoundError
 */
async function cancelTargets(
  runs: RunsServiceDeps["runs"],
  filter: CancelRunsRequest["filter"],
): Promise<Target[]> {
  const status = (filter?.status ?? "").toLowerCase();
  if (status !== "") {
    if (!["pending", "running", "all"].includes(status)) {
      throw new InvalidInputError("Invalid status: must be 'pending', 'running', or 'all'", "status");
    }
    if (filter?.threadId || (filter?.runIds.length ?? 0) > 0) {
      throw new InvalidInputError(
        "When providing a 'status', 'thread_id' and 'run_ids' must be omitted. The 'status' parameter cancels all runs with the given status, regardless of thread or run ID.",
        "status",
      );
    }
    const statuses = status === "all" ? ACTIVE_RUN_STATUSES : [status as RunStatus];
    return runs.listByStatus(statuses);
  }
  const threadId = requireUuid(filter?.threadId ?? "", "thread_id");
  const runIds = filter?.runIds ?? [];
  if (runIds.length === 0) throw new InvalidInputError("run_ids must list at least one run", "run_ids");
  for (const runId of runIds) requireUuid(runId, "run_ids");
  const targets: Target[] = [];
  for (const runId of runIds) targets.push(await runs.get(runId, threadId));
  return targets;
}

/**
 * `cancel` (waits for the run's end when `wait`) and `cancelMany` (never waits; a run that ended or vanished
 * meanwhile is skipped).
 * @throws InvalidInputError (ids, action, filter), RunNotFoundError
 */
export function runCancelHandlers({
  runs,
  runtime,
}: RunsServiceDeps): Pick<Handlers, "cancel" | "cancelMany"> {
  return {
    async cancelMany(req) {
      const action: CancelAction = req.action === "rollback" ? "rollback" : "interrupt";
      const targets = await cancelTargets(runs, req.filter);
      // Pending runs first: a running run stopped first would let a worker claim the next one of its thread
      // before that one's cancel arrives.
      targets.sort((a, b) => Number(b.status === "pending") - Number(a.status === "pending"));
      for (const t of targets) {
        await runtime.cancel(t.runId, t.threadId, action, false).catch((error: unknown) => {
          if (!(error instanceof RunNotFoundError)) throw error;
        });
      }
      return {};
    },

    async cancel(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const action = (req.action || "interrupt") as CancelAction;
      if (action !== "interrupt" && action !== "rollback") {
        throw new InvalidInputError('action must be "interrupt" or "rollback"', "action");
      }
      await runtime.cancel(req.runId, req.threadId, action, req.wait);
      return {};
    },
  };
}
