/**
 * Policies of StoreService (docs/security.md "Events"): `store:put`, `store:get`, `store:delete`, `store:search`
 * (its filter is ANDed with `filter` on the value) and `store:list_namespaces`.
 *
 * Store handlers may rewrite the value they get (`namespace`, `key`, `value`, paging, …) and the call uses what
 * they leave, as the Python server (`langgraph_api/api/store.py`): e.g. a handler that prefixes the namespace with
 * the user's identity keeps each user's memories apart. A namespace left malformed is InvalidArgument.
 */
import { jsonFromValue } from "../../convert.js";
import { getNamespace } from "../../store/service.js";
import type { ServicePolicies } from "./guard.js";
import { intOr, isJsonObject, namespaceAfterHandler, stringOr } from "./values.js";

/** `loom.v1.StoreService` policies by method. */
export const STORE_POLICIES: ServicePolicies = {
  async putItem(req, g) {
    const value: Record<string, unknown> = {
      namespace: [...req.namespace],
      key: req.key,
      value: req.value,
      index: jsonFromValue(req.index) ?? null,
      ttl: req.ttl ?? null,
    };
    await g.authorize("store", "put", value);
    req.namespace = namespaceAfterHandler(value, "namespace");
    req.key = stringOr(value, "key", req.key);
    if (isJsonObject(value.value)) req.value = value.value;
    if (typeof value.ttl === "number") req.ttl = value.ttl;
  },
  async getItem(req, g) {
    const value: Record<string, unknown> = {
      namespace: getNamespace(req.namespace),
      key: req.key,
      refresh_ttl: req.refreshTtl ?? null,
    };
    await g.authorize("store", "get", value);
    req.namespace = namespaceAfterHandler(value, "namespace");
    req.key = stringOr(value, "key", req.key);
  },
  async deleteItem(req, g) {
    const value: Record<string, unknown> = { namespace: [...req.namespace], key: req.key };
    await g.authorize("store", "delete", value);
    req.namespace = namespaceAfterHandler(value, "namespace");
    req.key = stringOr(value, "key", req.key);
  },
  async searchItems(req, g) {
    const value: Record<string, unknown> = {
      namespace: [...req.namespacePrefix],
      filter: req.filter ?? null,
      limit: req.limit ?? 10,
      offset: req.offset ?? 0,
      query: req.query ?? null,
      refresh_ttl: req.refreshTtl ?? null,
    };
    g.narrow(await g.authorize("store", "search", value));
    req.namespacePrefix = namespaceAfterHandler(value, "namespace_prefix");
    if (isJsonObject(value.filter)) req.filter = value.filter;
    req.limit = intOr(value, "limit", req.limit);
    req.offset = intOr(value, "offset", req.offset);
    if (typeof value.query === "string") req.query = value.query;
  },
  async listNamespaces(req, g) {
    const value: Record<string, unknown> = {
      namespace: req.prefix.length > 0 ? [...req.prefix] : null,
      suffix: req.suffix.length > 0 ? [...req.suffix] : null,
      max_depth: req.maxDepth ?? null,
      limit: req.limit ?? 100,
      offset: req.offset ?? 0,
    };
    await g.authorize("store", "list_namespaces", value);
    req.prefix = namespaceAfterHandler(value, "prefix", true);
    req.suffix = namespaceAfterHandler({ namespace: value.suffix }, "suffix", true);
    req.maxDepth = intOr(value, "max_depth", req.maxDepth);
    req.limit = intOr(value, "limit", req.limit);
    req.offset = intOr(value, "offset", req.offset);
  },
};
