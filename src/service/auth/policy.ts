/**
 * Which authorization event each RPC raises and how its filter is applied (docs/security.md "Events"), after the
 * LangGraph.js dev server (`@langchain/langgraph-api` `storage/ops`):
 *
 * | RPCs | event | the filter |
 * |---|---|---|
 * | threads create | `threads:create` | an existing id outside it: 409 |
 * | threads get, copy (also `threads:create`), state, history, stream; runs get, join, join-stream | `threads:read` | 404 outside it |
 * | threads update, update_state; runs cancel | `threads:update` | 404 outside it |
 * | threads delete, prune; runs delete | `threads:delete` | 404 outside it |
 * | threads search, count | `threads:search` | narrows the query |
 * | runs list | `threads:search` | 404 when the thread is outside it |
 * | runs create, wait, stream (stateful and stateless) | `threads:create_run` | 404 for an existing thread outside it |
 * | assistants create | `assistants:create` | an existing id outside it: 409 |
 * | assistants get, graph, schemas, subgraphs, versions | `assistants:read` | 404 outside it |
 * | assistants update, latest / delete | `assistants:update` / `assistants:delete` | 404 outside it |
 * | assistants delete with `delete_threads` | also `threads:delete` | narrows the threads deleted |
 * | assistants search, count | `assistants:search` | narrows the query |
 * | crons create (then `threads:read` for a thread's cron) | `crons:create` | — |
 * | crons get / update / delete | `crons:read` / `crons:update` / `crons:delete` | 404 outside it |
 * | crons search, count | `crons:search` | narrows the query |
 * | store put, get, delete, search, list namespaces | `store:put`, `store:get`, `store:delete`, `store:search`, `store:list_namespaces` | search: ANDed with `filter` on the value |
 *
 * Store handlers may rewrite the value they get and the call uses what they leave (see `policies/store.ts`). A
 * handler that changes `value.metadata` on a create, update or run changes what is stored.
 *
 * One file per resource under `policies/` (`threads.ts`, `runs.ts`, `assistants.ts`, `crons.ts`, `store.ts`);
 * this index assembles them by service. A new service adds its file and one line here.
 */
import { ASSISTANT_POLICIES } from "./policies/assistants.js";
import { CRON_POLICIES } from "./policies/crons.js";
import type { ServicePolicies } from "./policies/guard.js";
import { RUN_POLICIES } from "./policies/runs.js";
import { STORE_POLICIES } from "./policies/store.js";
import { THREAD_POLICIES } from "./policies/threads.js";

export type { Guard, Policy } from "./policies/guard.js";

/** Policies by service type name, then method local name. */
export const POLICIES: Record<string, ServicePolicies> = {
  "loom.v1.ThreadsService": THREAD_POLICIES,
  "loom.v1.RunsService": RUN_POLICIES,
  "loom.v1.CronsService": CRON_POLICIES,
  "loom.v1.AssistantsService": ASSISTANT_POLICIES,
  "loom.v1.StoreService": STORE_POLICIES,
};
