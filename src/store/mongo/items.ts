/**
 * The long-term memory store over MongoDB (`ItemStore`, docs/store.md): one document per item in `store_items`
 * (`item-docs.ts`), unique on `(ns, key)`, a text index on `text`, a TTL index on `expires_at`.
 *
 * Client input never becomes a query operator or an aggregation expression: values are key-escaped
 * (`encoding.ts`) and written as `$literal`s, filters go through `containmentFilter` (escaped keys, `$eq` values),
 * namespace labels compare with `$eq` / `$literal`.
 */
import type { Collection, Document } from "mongodb";
import type { JsonObject } from "../../engine/checkpoint.js";
import {
  checkKey,
  checkNamespace,
  checkPaging,
  checkPutOptions,
  checkValue,
  InvalidItemError,
  type ItemStore,
  type StoreItem,
} from "../../engine/item-store.js";
import { encodeAlways } from "./encoding.js";
import { containmentFilter, scopeFilter } from "./filters.js";
import {
  fromItemDoc,
  type ItemDoc,
  indexedText,
  liveAt,
  namespaceMatch,
  prefixCondition,
} from "./item-docs.js";

/** What {@link createMongoItemStore} needs. */
export interface MongoItemStoreDeps {
  /** The `store_items` collection; its indexes come from `ensureIndexes()` (`indexes.ts`). */
  items: Collection<ItemDoc>;
}

const MINUTE_MS = 60_000;
const DUPLICATE_KEY = 11000;

/** `expires_at` restarted from `now` for documents that have a TTL (an aggregation-pipeline update stage). */
function refreshStage(now: Date): Document {
  return {
    $set: {
      expires_at: {
        $cond: [
          { $isNumber: "$ttl_minutes" },
          { $add: [now, { $multiply: ["$ttl_minutes", MINUTE_MS] }] },
          "$expires_at",
        ],
      },
    },
  };
}

/** Creates the store. Every method checks its arguments first (`InvalidItemError`), so a refused call writes nothing. */
export function createMongoItemStore(deps: MongoItemStoreDeps): ItemStore {
  const { items } = deps;

  async function upsert(namespace: string[], key: string, set: Document, unset: string[], now: Date) {
    const ns = namespace.join(".");
    // An expired item still on disk (the TTL monitor is slow) is replaced as a new item: `created_at` restarts.
    const alive = {
      $and: [
        { $eq: [{ $type: "$created_at" }, "date"] },
        { $not: [{ $and: [{ $eq: [{ $type: "$expires_at" }, "date"] }, { $lte: ["$expires_at", now] }] }] },
      ],
    };
    const pipeline: Document[] = [
      {
        $set: {
          ns: { $literal: ns },
          namespace: { $literal: namespace },
          key: { $literal: key },
          created_at: { $cond: [alive, "$created_at", now] },
          updated_at: now,
          ...set,
        },
      },
    ];
    if (unset.length > 0) pipeline.push({ $unset: unset });
    const filter = { ns: { $eq: ns }, key: { $eq: key } };
    try {
      await items.updateOne(filter, pipeline, { upsert: true });
    } catch (error) {
      // Two first puts of one key race on the unique index; the loser's retry updates the winner's document.
      if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
      await items.updateOne(filter, pipeline, { upsert: true });
    }
  }

  return {
    async put(namespace, key, value, options) {
      checkNamespace(namespace, "namespace", true);
      checkKey(key);
      checkValue(value);
      checkPutOptions(options);
      const now = new Date();
      const set: Document = { value: { $literal: encodeAlways(value) } };
      const unset: string[] = [];
      const text = indexedText(value, options?.index);
      if (text === undefined) unset.push("text");
      else set.text = { $literal: text };
      const ttl = options?.ttlMinutes;
      if (ttl === undefined || ttl === null) unset.push("expires_at", "ttl_minutes");
      else {
        set.ttl_minutes = { $literal: ttl };
        set.expires_at = new Date(now.getTime() + ttl * MINUTE_MS);
      }
      await upsert([...namespace], key, set, unset, now);
    },

    async get(namespace, key, options) {
      checkNamespace(namespace, "namespace", false);
      checkKey(key);
      const now = new Date();
      const filter = { ns: { $eq: namespace.join(".") }, key: { $eq: key }, ...liveAt(now) };
      const doc =
        options?.refreshTtl === false
          ? await items.findOne(filter)
          : await items.findOneAndUpdate(filter, [refreshStage(now)], { returnDocument: "after" });
      return doc ? fromItemDoc(doc) : undefined;
    },

    async delete(namespace, key) {
      checkNamespace(namespace, "namespace", false);
      checkKey(key);
      await items.deleteOne({ ns: { $eq: namespace.join(".") }, key: { $eq: key } });
    },

    async search(namespacePrefix, options = {}) {
      checkNamespace(namespacePrefix, "namespace_prefix", false);
      const { filter, query } = options;
      if (filter !== undefined && (filter === null || typeof filter !== "object" || Array.isArray(filter))) {
        throw new InvalidItemError("filter", "must be an object");
      }
      if (query !== undefined && typeof query !== "string")
        throw new InvalidItemError("query", "must be a string");
      checkPaging(options.limit, options.offset);
      const limit = options.limit ?? 10;
      const offset = options.offset ?? 0;
      if (limit === 0) return [];
      const now = new Date();
      const match: Document = {
        ...prefixCondition(namespacePrefix),
        ...liveAt(now),
        ...containmentFilter("value", filter as JsonObject | undefined),
      };
      if (options.scope !== undefined) match.$and = [scopeFilter("value", options.scope)];
      const text = query !== undefined && query.trim() !== "";
      if (text) match.$text = { $search: query };
      const docs = await items
        .find(match, {
          ...(text ? { projection: { score: { $meta: "textScore" } } } : {}),
          sort: text
            ? { score: { $meta: "textScore" }, updated_at: -1, _id: -1 }
            : { updated_at: -1, _id: -1 },
          skip: offset,
          limit,
        })
        .toArray();
      const found: StoreItem[] = docs.map(fromItemDoc);
      const expiring = docs.filter((d) => typeof d.ttl_minutes === "number");
      if (options.refreshTtl !== false && expiring.length > 0) {
        await items.updateMany({ _id: { $in: expiring.map((d) => d._id) } }, [refreshStage(now)]);
        docs.forEach((doc, i) => {
          const item = found[i];
          if (item && typeof doc.ttl_minutes === "number") {
            item.expiresAt = new Date(now.getTime() + doc.ttl_minutes * MINUTE_MS);
          }
        });
      }
      return found;
    },

    async listNamespaces(options = {}) {
      const prefix = options.prefix ?? [];
      const suffix = options.suffix ?? [];
      checkNamespace(prefix, "prefix", false);
      checkNamespace(suffix, "suffix", false);
      checkPaging(options.limit, options.offset);
      const { maxDepth } = options;
      if (maxDepth !== undefined && !(Number.isInteger(maxDepth) && maxDepth >= 1)) {
        throw new InvalidItemError("max_depth", "must be a positive integer");
      }
      const limit = options.limit ?? 100;
      const offset = options.offset ?? 0;
      if (limit === 0) return [];
      // Grouped and sorted by the dot-joined path: sorting the label arrays themselves would compare their
      // smallest labels, not label by label.
      const path =
        maxDepth === undefined
          ? "$ns"
          : {
              $reduce: {
                input: { $slice: ["$namespace", maxDepth] },
                initialValue: "",
                in: { $cond: [{ $eq: ["$$value", ""] }, "$$this", { $concat: ["$$value", ".", "$$this"] }] },
              },
            };
      const rows = await items
        .aggregate<{ _id: string }>([
          { $match: { ...namespaceMatch(prefix, suffix), ...liveAt(new Date()) } },
          { $group: { _id: path } },
          { $sort: { _id: 1 } },
          { $skip: offset },
          { $limit: limit },
        ])
        .toArray();
      return rows.map((r) => r._id.split("."));
    },
  };
}
