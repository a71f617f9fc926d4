/**
 * StoreService: the long-term memory store over every protocol (docs/store.md, REST `/store/...`). Arguments are
 * checked by the `ItemStore` before anything is written; its `InvalidItemError` maps to InvalidArgument (422).
 */
import { create, fromJson } from "@bufbuild/protobuf";
import { ListValueSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { type Item, ItemSchema, type StoreService } from "../../../gen/ts/loom/v1/store_pb.js";
import { InvalidItemError, type ItemStore, type PutItemOptions, type StoreItem } from "../../engine/index.js";
import { scopeOf } from "../auth/context.js";
import { jsonFromValue } from "../convert.js";

/** What the store service needs. */
export interface StoreServiceDeps {
  items: ItemStore;
}

/** A domain item as the proto `Item`. */
export function itemToProto(item: StoreItem): Item {
  return create(ItemSchema, {
    namespace: item.namespace,
    key: item.key,
    value: item.value,
    createdAt: timestampFromDate(item.createdAt),
    updatedAt: timestampFromDate(item.updatedAt),
    ...(item.expiresAt ? { expiresAt: timestampFromDate(item.expiresAt) } : {}),
    ...(item.score !== undefined ? { score: item.score } : {}),
  });
}

/** `index` of a put: absent/null (every string), `false` (none) or field paths. @throws InvalidItemError */
function indexOption(json: unknown): PutItemOptions["index"] {
  if (json === undefined || json === null || json === false) return json as PutItemOptions["index"];
  if (Array.isArray(json) && json.every((p) => typeof p === "string")) return json as string[];
  throw new InvalidItemError("index", "must be false or a list of field paths");
}

/**
 * GetItem's namespace: labels given one by one, or one dot-joined value as the SDKs send `?namespace=a.b`
 * (labels never contain ".", so splitting is unambiguous).
 */
export function getNamespace(labels: readonly string[]): string[] {
  return labels.flatMap((label) => label.split("."));
}

/** Creates the StoreService implementation. */
export function createStoreService(deps: StoreServiceDeps): ServiceImpl<typeof StoreService> {
  const { items } = deps;
  return {
    async putItem(req) {
      if (req.value === undefined) throw new InvalidItemError("value", "is required");
      await items.put(req.namespace, req.key, req.value, {
        ttlMinutes: req.ttl ?? null,
        index: indexOption(jsonFromValue(req.index)),
      });
      return {};
    },
    async getItem(req) {
      const item = await items.get(getNamespace(req.namespace), req.key, {
        ...(req.refreshTtl !== undefined ? { refreshTtl: req.refreshTtl } : {}),
      });
      return item ? { item: itemToProto(item) } : {};
    },
    async deleteItem(req) {
      await items.delete(req.namespace, req.key);
      return {};
    },
    async searchItems(req, ctx) {
      const found = await items.search(req.namespacePrefix, {
        ...scopeOf(ctx),
        ...(req.filter !== undefined ? { filter: req.filter } : {}),
        ...(req.limit !== undefined ? { limit: req.limit } : {}),
        ...(req.offset !== undefined ? { offset: req.offset } : {}),
        ...(req.query !== undefined ? { query: req.query } : {}),
        ...(req.refreshTtl !== undefined ? { refreshTtl: req.refreshTtl } : {}),
      });
      return { items: found.map(itemToProto) };
    },
    async listNamespaces(req) {
      const namespaces = await items.listNamespaces({
        prefix: req.prefix,
        suffix: req.suffix,
        ...(req.maxDepth !== undefined ? { maxDepth: req.maxDepth } : {}),
        ...(req.limit !== undefined ? { limit: req.limit } : {}),
        ...(req.offset !== undefined ? { offset: req.offset } : {}),
      });
      return { namespaces: namespaces.map((labels) => fromJson(ListValueSchema, labels)) };
    },
  };
}
