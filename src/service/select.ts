/**
 * `select` on searches (docs/api.md §3, as langgraph-api): only the named fields of each result. The service
 * checks the names and clears the other fields (gRPC sees them at their defaults); the REST bridge leaves them out
 * of each JSON item (`pickSelected`).
 */
import { clearField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { InvalidInputError } from "./errors.js";

/**
 * Checks `select` against the fields of `desc` and clears the others on every message of `items` (in place).
 * Empty `select`: nothing changes.
 * @throws InvalidInputError (`select`) naming an unknown field and the allowed ones
 */
export function applySelect<D extends DescMessage>(
  desc: D,
  items: MessageShape<D>[],
  select: readonly string[],
): void {
  if (select.length === 0) return;
  const names = desc.fields.map((f) => f.name);
  const unknown = select.filter((s) => !names.includes(s));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `select has unknown field ${unknown.map((u) => `'${u}'`).join(" and ")} (known are ${names.join(" ")})`,
      "select",
    );
  }
  const keep = new Set(select);
  for (const item of items) {
    for (const field of desc.fields) if (!keep.has(field.name)) clearField(item, field);
  }
}

/**
 * The REST side: each object of `items` with only the keys of `select` (empty: unchanged), and `extracted`, which
 * a search's `extract` adds whatever `select` names (as langgraph-api).
 */
export function pickSelected(items: unknown, select: readonly string[]): unknown {
  if (select.length === 0 || !Array.isArray(items)) return items;
  const keep = new Set([...select, "extracted"]);
  return items.map((item) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).filter(([k]) => keep.has(k)))
      : item,
  );
}
