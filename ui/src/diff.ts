/**
 * What changed in a checkpoint's values against its parent's, as a list of paths with old and new values
 * (computed by microdiff). The first checkpoint of a branch compares against empty values.
 */
import microdiff from "microdiff";
import type { Json, JsonObject } from "./types.js";

/** One change: `path` like `messages.2.content`; `before`/`after` absent for additions/removals. */
export interface ValueChange {
  kind: "added" | "removed" | "changed";
  path: string;
  before?: Json;
  after?: Json;
}

/** The changes from `parent` to `values` (parent `null`: everything is added). */
export function diffValues(parent: JsonObject | null, values: JsonObject): ValueChange[] {
  return microdiff(parent ?? {}, values).map((change) => {
    const path = change.path.join(".");
    if (change.type === "CREATE") return { kind: "added", path, after: change.value as Json };
    if (change.type === "REMOVE") return { kind: "removed", path, before: change.oldValue as Json };
    return { kind: "changed", path, before: change.oldValue as Json, after: change.value as Json };
  });
}
