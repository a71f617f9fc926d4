/**
 * Small validating parsers for request fields shared by the services. Each throws `InvalidInputError`
 * (InvalidArgument / 422) naming the field.
 */
import { validate as isUuid } from "uuid";
import { InvalidInputError } from "./errors.js";

/** `limit`: 0 (unset) → `fallback`; otherwise 1..1000. @default fallback 10 */
export function parseLimit(limit: number, fallback = 10): number {
  if (limit === 0) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("limit must be between 1 and 1000", "limit");
  }
  return limit;
}

/** `offset`: ≥ 0. */
export function parseOffset(offset: number): number {
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidInputError("offset must be >= 0", "offset");
  return offset;
}

/** `sort_order`: "asc" | "desc"; "" → "desc". */
export function parseSortOrder(order: string): "asc" | "desc" {
  if (order === "" || order === "desc") return "desc";
  if (order === "asc") return "asc";
  throw new InvalidInputError('sort_order must be "asc" or "desc"', "sort_order");
}

/** `if_exists`: "raise" (default) | "do_nothing". */
export function parseIfExists(value: string): "raise" | "do_nothing" {
  if (value === "" || value === "raise") return "raise";
  if (value === "do_nothing") return "do_nothing";
  throw new InvalidInputError('if_exists must be "raise" or "do_nothing"', "if_exists");
}

/** A required UUID path/body field (`thread_id`, `run_id`). */
export function requireUuid(value: string, field: string): string {
  if (!isUuid(value)) throw new InvalidInputError(`Invalid ${field}: must be a UUID, got "${value}"`, field);
  return value;
}

/**
 * Sets `X-Pagination-Total` (all matches) and, when more follow, `X-Pagination-Next` (the next offset) on a
 * search response (docs/api.md §1).
 */
export function setPaginationHeaders(
  headers: Headers,
  total: number,
  offset: number,
  returned: number,
): void {
  headers.set("x-pagination-total", String(total));
  if (offset + returned < total) headers.set("x-pagination-next", String(offset + returned));
}
