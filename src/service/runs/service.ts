/**
 * RunsService (docs/api.md §3 "Runs", docs/api.md §5–§7): create (background), wait, stream, get, list, delete, join,
 * join-stream, cancel; stateful (`/threads/{id}/runs/...`) and stateless (`/runs/...`, `thread_id` empty).
 * Run responses carry `Content-Location: /threads/{tid}/runs/{rid}` (or `/runs/{rid}`), which the SDK reads.
 *
 * The handlers live beside it, one concern per file: `create-handlers.ts` (create, wait, stream, batch),
 * `join-handlers.ts`, `record-handlers.ts` (get, list, delete), `cancel-handlers.ts`; `start.ts` validates and
 * submits a run, `stream-parts.ts` turns logged events into stream parts.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/ts/loom/v1/runs_pb.js";
import { runCancelHandlers } from "./cancel-handlers.js";
import { runCreationHandlers } from "./create-handlers.js";
import type { RunsServiceDeps } from "./deps.js";
import { runJoinHandlers } from "./join-handlers.js";
import { runRecordHandlers } from "./record-handlers.js";
import { createRunStarter } from "./start.js";

export type { RunsServiceDeps } from "./deps.js";

/** Creates the RunsService implementation. Errors are domain errors, mapped by `withErrorMapping`. */
export function createRunsService(deps: RunsServiceDeps): ServiceImpl<typeof RunsService> {
  const starter = createRunStarter(deps);
  return {
    ...runCreationHandlers(deps, starter),
    ...runJoinHandlers(deps, starter),
    ...runRecordHandlers(deps),
    ...runCancelHandlers(deps),
  };
}
