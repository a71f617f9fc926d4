/**
 * ThreadsService, thread records (docs/api.md §3 "Threads", docs/api.md §8d): create, get, patch, delete, search, count,
 * copy, prune (docs/api.md §3 "Thread TTL"). Create, copy and search/count live in `create.ts`, `copy.ts` and
 * `search.ts`; the short ones here.
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { PruneThreadsResponseSchema, type ThreadsService } from "../../../gen/ts/loom/v1/threads_pb.js";
import { objectFromStruct, threadToProto } from "../convert.js";
import { requireUuid } from "../validate.js";
import { threadCopyHandler } from "./copy.js";
import { threadCreateHandler } from "./create.js";
import type { ThreadCrudDeps } from "./crud-deps.js";
import { threadSearchHandlers } from "./search.js";
import { parsePruneStrategy, ttlFromRequest } from "./ttl.js";

export type { ThreadCrudDeps } from "./crud-deps.js";

type CrudMethods = Pick<
  ServiceImpl<typeof ThreadsService>,
  "create" | "get" | "update" | "delete" | "search" | "count" | "copy" | "prune"
>;

/**
 * Creates the thread-record methods. Errors: malformed id → InvalidInputError (422), unknown thread →
 * ThreadNotFoundError (404), duplicate id → ThreadExistsError (409) unless `if_exists: "do_nothing"`.
 */
export function createThreadCrud(deps: ThreadCrudDeps): CrudMethods {
  const { threads } = deps;
  return {
    create: threadCreateHandler(deps),
    async get(req) {
      return threadToProto(await threads.get(requireUuid(req.threadId, "thread_id")));
    },
    async update(req) {
      const threadId = requireUuid(req.threadId, "thread_id");
      const ttl = ttlFromRequest(req.ttl);
      return threadToProto(
        await threads.patch(threadId, { metadata: objectFromStruct(req.metadata), ...(ttl ? { ttl } : {}) }),
      );
    },
    async delete(req) {
      const threadId = requireUuid(req.threadId, "thread_id");
      await threads.delete(threadId);
      return {};
    },
    async prune(req) {
      for (const id of req.threadIds) requireUuid(id, "thread_ids");
      const strategy = parsePruneStrategy(req.strategy, "strategy");
      const prunedCount = req.threadIds.length === 0 ? 0 : await threads.prune(req.threadIds, strategy);
      return create(PruneThreadsResponseSchema, { prunedCount });
    },
    ...threadSearchHandlers(deps),
    copy: threadCopyHandler(deps),
  };
}
