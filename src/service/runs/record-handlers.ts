/** The RunsService handlers over run records (docs/api.md §3 "Runs"): `get`, `list` and `delete`. */
import { create, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ListRunsResponseSchema, RunSchema, type RunsService } from "../../../gen/ts/loom/v1/runs_pb.js";
import { ACTIVE_RUN_STATUSES, type RunStatus } from "../../store/records.js";
import { runToProto } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { extractValues, parseExtract } from "../extract.js";
import { applySelect } from "../select.js";
import { parseLimit, parseOffset, requireUuid } from "../validate.js";
import type { RunsServiceDeps } from "./deps.js";

type Handlers = ServiceImpl<typeof RunsService>;

/** The statuses `list` accepts as its `status` filter. */
const RUN_STATUSES: readonly RunStatus[] = [
  "pending",
  "running",
  "error",
  "success",
  "timeout",
  "interrupted",
];

/**
 * `get`, `list` (a thread's runs, `limit`/`offset`, `status`, `select`, `extract` of `metadata`/`kwargs` paths) and
 * `delete` (an active run is cancelled with `interrupt` first, keeping its completed steps).
 * @throws InvalidInputError (ids, status, select, extract, limit/offset), ThreadNotFoundError, RunNotFoundError
 */
export function runRecordHandlers({
  threads,
  runs,
  runtime,
}: RunsServiceDeps): Pick<Handlers, "get" | "list" | "delete"> {
  return {
    async get(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      return runToProto(await runs.get(req.runId, req.threadId));
    },

    async list(req) {
      requireUuid(req.threadId, "thread_id");
      if (req.status && !RUN_STATUSES.includes(req.status as RunStatus)) {
        throw new InvalidInputError(`status must be one of ${RUN_STATUSES.join(", ")}`, "status");
      }
      applySelect(RunSchema, [], req.select);
      const extract = parseExtract(
        req.extract,
        ["metadata", "kwargs"],
        RunSchema.fields.map((f) => f.name),
      );
      await threads.get(req.threadId);
      const items = await runs.listByThread(req.threadId, {
        limit: parseLimit(req.limit),
        offset: parseOffset(req.offset),
        ...(req.status ? { status: req.status as RunStatus } : {}),
      });
      const listed = items.map(runToProto);
      applySelect(RunSchema, listed, req.select);
      if (extract.length > 0) {
        items.forEach((r, i) => {
          const item = listed[i];
          if (item)
            item.extracted = extractValues(
              { metadata: r.metadata, kwargs: r.kwargs },
              extract,
            ) as PbJsonObject;
        });
      }
      return create(ListRunsResponseSchema, { runs: listed });
    },

    async delete(req) {
      requireUuid(req.threadId, "thread_id");
      requireUuid(req.runId, "run_id");
      const run = await runs.get(req.runId, req.threadId);
      if (ACTIVE_RUN_STATUSES.includes(run.status)) {
        await runtime.cancel(req.runId, req.threadId, "interrupt", true);
      }
      await runs.delete(req.runId, req.threadId).catch(() => undefined);
      return {};
    },
  };
}
