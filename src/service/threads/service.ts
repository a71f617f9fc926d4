/**
 * ThreadsService = thread records (./crud.ts) + checkpointed state (./state.ts) + the thread stream (./stream.ts).
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/ts/loom/v1/threads_pb.js";
import type { CheckpointStore } from "../../engine/index.js";
import type { GraphRegistry } from "../../registry/registry.js";
import type { RunRuntime } from "../../runtime/runtime.js";
import type { ThreadStore } from "../../store/records.js";
import { createThreadCrud } from "./crud.js";
import { createThreadState } from "./state.js";
import { createThreadStream } from "./stream.js";

/** What ThreadsService needs. */
export interface ThreadsServiceDeps {
  threads: ThreadStore;
  checkpoints: CheckpointStore;
  registry: GraphRegistry;
  /** See `ThreadCrudDeps.copyThreadCheckpoints`. */
  copyThreadCheckpoints?: (sourceThreadId: string, targetThreadId: string) => Promise<void>;
  /** Serves the thread stream (`./stream.ts`). */
  runtime: Pick<RunRuntime, "threadEvents">;
}

/** Creates the ThreadsService implementation. Errors are domain errors, mapped by `withErrorMapping`. */
export function createThreadsService(deps: ThreadsServiceDeps): ServiceImpl<typeof ThreadsService> {
  return { ...createThreadCrud(deps), ...createThreadState(deps), stream: createThreadStream(deps) };
}
