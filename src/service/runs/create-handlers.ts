/**
 * The RunsService handlers that create runs (docs/api.md §5–§7): `create` (background), `wait`, `stream` and
 * `createBatch` (stateless background runs, all validated before any is created).
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CreateRunBatchResponseSchema,
  type RunsService,
  WaitRunResponseSchema,
} from "../../../gen/ts/loom/v1/runs_pb.js";
import { runToProto } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { acceptLongPoll } from "../stream-open.js";
import type { RunsServiceDeps } from "./deps.js";
import type { RunStarter } from "./start.js";
import { afterOwnMetadata, toPart } from "./stream-parts.js";

type Handlers = ServiceImpl<typeof RunsService>;

/**
 * `create`, `wait`, `stream` and `createBatch`. A wait or stream stops at the request's deadline or disconnect;
 * the run then follows `on_disconnect` (see `RunStarter.start`).
 * @throws InvalidInputError (a batch item's field is prefixed `runs[i]`), the refusals of `RunStarter.prepare`;
 * a stream whose run is refused before its first engine event fails with the run's error instead of streaming.
 */
export function runCreationHandlers(
  { runtime }: RunsServiceDeps,
  starter: RunStarter,
): Pick<Handlers, "create" | "wait" | "stream" | "createBatch"> {
  return {
    async create(req, ctx) {
      const submitted = await starter.start(req, ctx, "background");
      return runToProto(submitted.run);
    },

    async wait(req, ctx) {
      const submitted = await starter.start(req, ctx, "wait");
      acceptLongPoll(ctx);
      try {
        const finished = await runtime.waitForSubmitted(submitted, ctx.signal);
        return create(WaitRunResponseSchema, { values: finished.waitBody, run: runToProto(finished.run) });
      } finally {
        submitted.detach();
      }
    },

    async *stream(req, ctx) {
      const submitted = await starter.start(req, ctx, "stream");
      const it = runtime.events(submitted.run.runId, -1, ctx.signal);
      if (!submitted.local) {
        // Queued behind another run: answer at once (headers, then heartbeats) instead of when a worker starts it.
        try {
          const { run } = submitted;
          yield toPart({ seq: 0, event: "metadata", data: { run_id: run.runId, attempt: run.attempt } });
          for await (const e of afterOwnMetadata(it)) yield toPart(e);
        } finally {
          submitted.detach();
          await it.return(undefined);
        }
        return;
      }
      try {
        const metadata = await it.next();
        const first = metadata.done ? metadata : await it.next();
        // A refused run (deleted, nothing written) logs no engine event: surface its error as the RPC's error,
        // before anything is sent (REST: a plain 4xx instead of an SSE stream).
        if (first.done) await submitted.local;
        if (!metadata.done) yield toPart(metadata.value);
        for (let n = first; !n.done; n = await it.next()) yield toPart(n.value);
      } finally {
        submitted.detach();
        await it.return(undefined);
      }
    },

    async createBatch(req, ctx) {
      if (req.runs.length === 0) throw new InvalidInputError("runs must list at least one run", "runs");
      // All items are validated before any run is created: one bad item creates nothing.
      const prepared = [];
      for (const [i, item] of req.runs.entries()) {
        if (item.threadId !== "") {
          throw new InvalidInputError(
            `runs[${i}].thread_id must be empty (batch runs are stateless)`,
            `runs[${i}].thread_id`,
          );
        }
        try {
          prepared.push(await starter.prepare(item));
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          const field = `runs[${i}]${error.field ? `.${error.field}` : ""}`;
          throw new InvalidInputError(`${field}: ${error.message}`, field);
        }
      }
      const created = [];
      for (const [i, item] of req.runs.entries()) {
        created.push(runToProto((await starter.start(item, ctx, "background", prepared[i])).run));
      }
      ctx.responseHeader.delete("content-location");
      return create(CreateRunBatchResponseSchema, { runs: created });
    },
  };
}
