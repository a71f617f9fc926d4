/**
 * CronsService (docs/crons.md, docs/api.md §3 "Crons"): create (stateless or on a thread), get, update, delete,
 * search and count of scheduled runs. Every request is checked before anything is written: ids, the schedule and
 * timezone (`src/runtime/cron-schedule.ts`), the end time, and the run each tick would create, validated by the
 * runs service's own rules (`runParamsFromProto`) against the assistant's graph.
 *
 * The handlers live beside it: `write-handlers.ts` (create, update), `read-handlers.ts` (get, delete, search,
 * count); `fields.ts` converts and parses cron fields, `check-run.ts` checks a tick's run.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { CronsService } from "../../../gen/ts/loom/v1/crons_pb.js";
import type { CronsServiceDeps } from "./deps.js";
import { cronReadHandlers } from "./read-handlers.js";
import { cronWriteHandlers } from "./write-handlers.js";

export type { CronsServiceDeps } from "./deps.js";
export { cronToProto, parseEndTime } from "./fields.js";

/** Creates the CronsService implementation. Errors are domain errors, mapped by `withErrorMapping`. */
export function createCronsService(deps: CronsServiceDeps): ServiceImpl<typeof CronsService> {
  return { ...cronWriteHandlers(deps), ...cronReadHandlers(deps) };
}
