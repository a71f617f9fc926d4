/**
 * Fixtures for the Mongo store tests: checkpoint inputs, time-ordered ids, and a seeded generator of awkward
 * JSON values (keys with `.`/`$`/`%`/NUL/empty/`__proto__`, lone surrogates, extreme doubles, deep nesting).
 */
import type { CheckpointMetadata, JsonValue, PendingWrite } from "../../src/engine/checkpoint.js";
import type { PutCheckpointInput } from "../../src/engine/store.js";

let counter = 0;

/** A fresh id that sorts after every id returned before it in this process (zero-padded counter + tag). */
export function nextId(tag = ""): string {
  counter += 1;
  return `${String(Date.now()).padStart(15, "0")}-${String(counter).padStart(9, "0")}${tag}`;
}

/** A `put` input with sensible defaults. */
export function checkpointInput(
  threadId: string,
  options: {
    id?: string;
    ns?: string;
    parent?: string | null;
    values?: Record<string, JsonValue>;
    metadata?: Partial<CheckpointMetadata>;
    parentWrites?: PendingWrite[];
  } = {},
): PutCheckpointInput {
  const id = options.id ?? nextId();
  const metadata: CheckpointMetadata = { source: "loop", step: 0, parents: {}, ...options.metadata };
  return {
    threadId,
    checkpointNs: options.ns ?? "",
    checkpoint: {
      v: 4,
      id,
      ts: new Date().toISOString(),
      channelValues: options.values ?? { count: 1 },
      channelVersions: { count: 1, "branch:to:a": 2 },
      versionsSeen: { a: { count: 1 }, __interrupt__: {} },
    },
    metadata,
    parentCheckpointId: options.parent ?? null,
    ...(options.parentWrites ? { parentWrites: options.parentWrites } : {}),
  };
}

/** A write with defaults (`taskPath` = `taskId`). */
export function write(
  taskId: string,
  idx: number,
  channel: string,
  value: JsonValue,
  taskPath = taskId,
): PendingWrite {
  return { taskId, taskPath, idx, channel, value };
}

/** Mulberry32: a small seeded PRNG in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const AWKWARD_KEYS = [
  "",
  ".",
  "a.b",
  "$gt",
  "$where",
  "$",
  "%",
  "%25",
  "%2E",
  "%s",
  "%u0041",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "_id",
  "a\u0000b",
  "\ud800",
  "x\udc00y",
  "😀",
  "ключ",
  "$a.$b",
  "plain",
];

export const AWKWARD_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  -2.5e-7,
  5e-324,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 53 - 1,
  2 ** 53 + 2,
  -(2 ** 63),
  123456789.12345679,
];

export const AWKWARD_STRINGS = [
  "",
  "$x",
  "$gt",
  "a.b",
  "\u0000",
  "\ud83d",
  "\udc00abc",
  "😀 emoji",
  "日本語",
  "%s",
  "\n\t\"'\\",
];

/** A random JSON value of at most `depth` nesting levels, drawn from the awkward pools above. */
export function randomJson(random: () => number, depth = 4): JsonValue {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const r = random();
  if (depth <= 0 || r < 0.45) {
    const kind = Math.floor(random() * 5);
    if (kind === 0) return null;
    if (kind === 1) return random() < 0.5;
    if (kind === 2) return pick(AWKWARD_NUMBERS);
    if (kind === 3) return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    return pick(AWKWARD_STRINGS) + (random() < 0.3 ? String(Math.floor(random() * 100)) : "");
  }
  const size = Math.floor(random() * 5);
  if (r < 0.7) return Array.from({ length: size }, () => randomJson(random, depth - 1));
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < size; i++) {
    const key = random() < 0.6 ? pick(AWKWARD_KEYS) : `k${Math.floor(random() * 20)}`;
    Object.defineProperty(out, key, {
      value: randomJson(random, depth - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * A canonical string of a JSON value that keeps key order, `-0` and lone surrogates, for exact comparisons.
 */
export function exact(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (Object.is(v, -0) ? "<-0>" : v));
}
