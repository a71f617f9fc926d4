/**
 * State schema authoring (docs/semantics.md §1.1): every state key is a channel with a reducer.
 *
 * ```ts
 * const schema = {
 *   topic: lastValue<string>(),          // last value; two writes in one step → InvalidUpdateError
 *   messages: append<string>(),          // list concatenation, default []
 *   meta: merge<Record<string, string>>(),// shallow object merge, default {}
 *   count: reducer((a: number, b: number) => a + b, () => 0),
 * };
 * ```
 */
import type { JsonValue } from "./checkpoint.js";

/** Folds one written value into the current value. Must not mutate its arguments. */
export type Reducer<V, U = V> = (current: V, update: U) => V;

/**
 * One state key. `V` is the value type, `U` the update type.
 * - `reducer` absent: last value (docs/semantics.md §1.1).
 * - `default`: initial value; without one a reducer key starts from its first write and a last-value key is
 *   absent until written.
 * - `prepare`: normalises a written value before it is stored as a pending write (it may throw
 *   `InvalidUpdateError`); the reducer then folds the normalised value. The messages key assigns message ids here.
 * - `messages`: the key holds chat messages; the messages a node writes to it are streamed (`messages-tuple`).
 */
export interface ChannelSpec<V = JsonValue, U = V> {
  reducer?(current: V, update: U): V;
  default?(): V;
  prepare?(update: U): U;
  readonly messages?: true;
  /** Phantom field for type inference only. */
  readonly __types?: { value: V; update: U };
}

/** A state schema: key → channel spec. */
export type StateSchema = Record<string, ChannelSpec<JsonValue, unknown>>;

/** The state a node reads: `{[key]: value}` (keys may be absent until written). */
export type StateOf<S> = {
  [K in keyof S]: S[K] extends ChannelSpec<infer V, infer _U> ? V : never;
};

/** The update a node returns: any subset of keys, each with the update type. */
export type UpdateOf<S> = {
  [K in keyof S]?: S[K] extends ChannelSpec<infer _V, infer U> ? U : never;
};

/** Last-value key (the default kind). Optional `defaultValue` factory. */
export function lastValue<V extends JsonValue>(defaultValue?: () => V): ChannelSpec<V, V> {
  return defaultValue ? { default: defaultValue } : {};
}

/**
 * Append reducer: the current list concatenated with the update (a list, or one item). Default `[]`.
 */
export function append<T extends JsonValue>(): ChannelSpec<T[], T | T[]> {
  return {
    reducer: (current, update) => current.concat(Array.isArray(update) ? (update as T[]) : [update as T]),
    default: () => [],
  };
}

/** Shallow-merge reducer for objects: `{...current, ...update}`. Default `{}`. */
export function merge<T extends { [key: string]: JsonValue }>(): ChannelSpec<T, Partial<T>> {
  return { reducer: (current, update) => ({ ...current, ...update }) as T, default: () => ({}) as T };
}

/** Custom reducer with an optional default factory. */
export function reducer<V extends JsonValue, U extends JsonValue = V>(
  fn: Reducer<V, U>,
  defaultValue?: () => V,
): ChannelSpec<V, U> {
  return defaultValue ? { reducer: fn, default: defaultValue } : { reducer: fn };
}
