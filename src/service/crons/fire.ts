/**
 * Firing a claimed cron tick (docs/crons.md "Scheduling"): the tick's `CreateRunRequest` (`./payload.ts`) goes
 * through the runs service's own `create`, so it is validated, resolved and queued exactly as `POST /runs` (a new
 * thread, deleted after the run unless `on_run_completed` is "keep") or `POST /threads/{id}/runs` (the cron's
 * thread, multitask strategy "enqueue" by default) would be. A thread cron whose thread was deleted is deleted
 * too, as the Python server's crons go with their thread. The run's id is the tick's (`tickRunId`), so creating it
 * twice finds the first.
 */
import { createContextValues, createHandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { RunsService } from "../../../gen/ts/loom/v1/runs_pb.js";
import type { CronRecord, CronStore } from "../../store/cron-store.js";
import { CronNotFoundError, RunExistsError, ThreadNotFoundError } from "../../store/errors.js";
import { PRESET_RUN_ID } from "../runs/start.js";
import { runRequestOf } from "./payload.js";

/** What {@link createCronFirer} needs. */
export interface CronFirerDeps {
  /** The runs service implementation, without authorization (the cron's creator was authorized at creation). */
  runs: Pick<ServiceImpl<typeof RunsService>, "create">;
  crons: CronStore;
}

/**
 * Returns `fire(cron, runId)`: creates the tick's run under `runId` in the background queue; resolves also when a
 * run of that id exists already (an earlier attempt at the same tick created it).
 * @throws the runs service's refusals (e.g. an assistant deleted since), for the scheduler to report; the store's
 *   transient errors during a database outage
 */
export function createCronFirer(deps: CronFirerDeps): (cron: CronRecord, runId: string) => Promise<void> {
  return async (cron, runId) => {
    const ctx = createHandlerContext({
      service: RunsService,
      method: RunsService.method.create,
      protocolName: "cron",
      requestMethod: "POST",
      url: `cron://${cron.cronId}`,
      requestHeader: new Headers(),
      contextValues: createContextValues().set(PRESET_RUN_ID, runId),
    });
    try {
      await deps.runs.create(runRequestOf(cron), ctx);
    } catch (error) {
      if (error instanceof RunExistsError) return;
      if (cron.threadId !== null && error instanceof ThreadNotFoundError) {
        await deps.crons.delete(cron.cronId).catch((e: unknown) => {
          if (!(e instanceof CronNotFoundError)) throw e;
        });
        return;
      }
      throw error;
    }
  };
}
