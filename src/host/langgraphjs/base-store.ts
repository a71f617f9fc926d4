/**
 * LangGraph.js's `BaseStore` over Loom's long-term memory store (docs/store.md "LangGraph.js graphs"): a hosted
 * LangGraph.js graph gets it as `config.store`, so `getStore()` and `config.store` in its nodes read and write the
 * same items as `ctx.store` in Loom nodes and the `/store` API.
 */
import {
  BaseStore,
  type GetOperation,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchOperation,
} from "@langchain/langgraph-checkpoint";
import type { ItemStore, JsonObject } from "../../engine/index.js";

/** A `BaseStore` whose every operation is a call of `items`. */
export class LoomBaseStore extends BaseStore {
  constructor(private readonly items: ItemStore) {
    super();
  }

  /** Runs the operations in order (a put with `value: null` deletes); results in the same order. */
  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = [];
    for (const op of operations) results.push(await this.run(op));
    return results as OperationResults<Op>;
  }

  private async run(op: Operation): Promise<unknown> {
    if ("namespacePrefix" in op) {
      const s = op as SearchOperation;
      return this.items.search(s.namespacePrefix, {
        ...(s.filter ? { filter: s.filter as JsonObject } : {}),
        ...(s.limit !== undefined ? { limit: s.limit } : {}),
        ...(s.offset !== undefined ? { offset: s.offset } : {}),
        ...(s.query !== undefined ? { query: s.query } : {}),
      });
    }
    if ("value" in op) {
      const p = op as PutOperation;
      if (p.value === null) return this.items.delete(p.namespace, p.key);
      return this.items.put(p.namespace, p.key, p.value as JsonObject, {
        ...(p.index !== undefined ? { index: p.index } : {}),
      });
    }
    if ("key" in op) {
      const g = op as GetOperation;
      return (await this.items.get(g.namespace, g.key)) ?? null;
    }
    const l = op as ListNamespacesOperation;
    const condition = (type: "prefix" | "suffix") =>
      l.matchConditions?.find((c) => c.matchType === type)?.path;
    const prefix = condition("prefix");
    const suffix = condition("suffix");
    return this.items.listNamespaces({
      ...(prefix ? { prefix } : {}),
      ...(suffix ? { suffix } : {}),
      ...(l.maxDepth !== undefined ? { maxDepth: l.maxDepth } : {}),
      limit: l.limit,
      offset: l.offset,
    });
  }
}
