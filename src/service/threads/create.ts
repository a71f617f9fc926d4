/**
 * Creating a thread (docs/api.md §3 "Threads"), optionally with `supersteps`: state updates applied on the new
 * thread through the graph named in `metadata.graph_id`, as langgraph-api's `threads.create(supersteps=...)`.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { v4 as uuidv4 } from "uuid";
import type { CreateThreadRequest, ThreadsService } from "../../../gen/ts/loom/v1/threads_pb.js";
import type { JsonObject, StateUpdate } from "../../engine/index.js";
import type { ThreadRecord } from "../../store/records.js";
import { jsonFromValue, objectFromStruct, threadToProto } from "../convert.js";
import { InvalidInputError } from "../errors.js";
import { threadFieldsFromHead } from "../runs/outcome.js";
import { parseIfExists, requireUuid } from "../validate.js";
import type { ThreadCrudDeps } from "./crud-deps.js";
import { ttlFromRequest } from "./ttl.js";

/** The supersteps of a create request with the graph that applies them. */
type SuperstepPlan = { graph: ReturnType<ThreadCrudDeps["registry"]["get"]>; supersteps: StateUpdate[][] };

/**
 * Validates `supersteps` of a create request against the graph named in `metadata.graph_id`; `undefined` when
 * the request has none.
 * @throws InvalidInputError naming `supersteps` (no registered graph, a `command` update)
 */
function superstepsOf(
  registry: ThreadCrudDeps["registry"],
  req: CreateThreadRequest,
  metadata: JsonObject,
): SuperstepPlan | undefined {
  if (req.supersteps.length === 0) return undefined;
  const graphId = metadata.graph_id;
  if (typeof graphId !== "string" || !registry.has(graphId)) {
    throw new InvalidInputError("supersteps need metadata.graph_id naming a registered graph", "supersteps");
  }
  const supersteps: StateUpdate[][] = req.supersteps.map((step) =>
    step.updates.map((u) => {
      if (u.command) throw new InvalidInputError("command is not supported in supersteps yet", "supersteps");
      return { values: jsonFromValue(u.values) ?? null, ...(u.asNode ? { asNode: u.asNode } : {}) };
    }),
  );
  return { graph: registry.get(graphId), supersteps };
}

/** Writes the supersteps on a just-created thread; on failure the thread is removed (nothing written). */
async function applySupersteps(
  { threads, checkpoints }: ThreadCrudDeps,
  thread: ThreadRecord,
  plan: SuperstepPlan,
): Promise<ThreadRecord> {
  const threadId = thread.threadId;
  try {
    await threads.beginCheckpointWrite(threadId);
    await plan.graph.bulkUpdateState(checkpoints, { threadId, supersteps: plan.supersteps });
  } catch (error) {
    await threads.delete(threadId).catch(() => undefined);
    throw error;
  }
  const head = await plan.graph.getState(checkpoints, { threadId });
  return threads.updateState(threadId, threadFieldsFromHead(head));
}

/**
 * The `create` handler: a new id unless `thread_id` is given; `if_exists` `raise` (default) or `do_nothing`
 * (the existing thread is answered and no superstep applied); every metadata key is kept, a null too.
 * @throws InvalidInputError (422), ThreadExistsError (409)
 */
export function threadCreateHandler(deps: ThreadCrudDeps): ServiceImpl<typeof ThreadsService>["create"] {
  const { threads, registry } = deps;
  return async (req) => {
    const threadId = req.threadId ? requireUuid(req.threadId, "thread_id") : uuidv4();
    const ifExists = parseIfExists(req.ifExists);
    // Every key the client sent is kept, a null too: a filter `{key: null}` matches only a stored null.
    const metadata = objectFromStruct(req.metadata);
    const plan = superstepsOf(registry, req, metadata);
    if (plan && ifExists === "do_nothing") {
      const existing = await threads.get(threadId).catch(() => undefined);
      if (existing) return threadToProto(existing);
    }
    const ttl = ttlFromRequest(req.ttl);
    const thread = await threads.create({ threadId, metadata, ...(ttl ? { ttl } : {}) }, { ifExists });
    return threadToProto(plan ? await applySupersteps(deps, thread, plan) : thread);
  };
}
