/**
 * Storage interface of crons (docs/crons.md), owned here and implemented by `src/store/mongo/crons.ts` (and in
 * memory by `src/store/memory/crons.ts`; one contract suite, `test/contract/cron-store.ts`). The store
 * knows nothing of cron expressions: the caller computes every `nextRunDate` (`src/runtime/cron-schedule.ts`) and
 * the store keeps it, and claims a tick with a compare-and-set on it, so exactly one replica fires each tick. The
 * claim stays on the cron until the tick's run is known to exist (`releaseTick`), so a tick whose replica died or
 * lost the database between claim and run creation is claimed again later (`reclaimTick`) instead of being lost.
 */
import type { JsonObject } from "../engine/index.js";

/** What a stateless cron does with each tick's thread once its run ends. */
export type CronOnRunCompleted = "delete" | "keep";

/** One cron as stored. */
export interface CronRecord {
  cronId: string;
  /** The assistant (UUID) each tick runs. */
  assistantId: string;
  /** The thread of a thread cron; `null` for a stateless cron (a new thread per tick). */
  threadId: string | null;
  /** Stateless crons only ("delete" by default); `null` for a thread cron. */
  onRunCompleted: CronOnRunCompleted | null;
  /** No tick after this time; `null`: no end. */
  endTime: Date | null;
  /** The cron expression. */
  schedule: string;
  /** IANA timezone of the schedule; `null`: UTC. */
  timezone: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** The creator's identity when authentication is on. */
  userId: string | null;
  /** The RunCreate fields of each tick's run (proto field names). */
  payload: JsonObject;
  /** The next tick; `null` when none is left. */
  nextRunDate: Date | null;
  metadata: JsonObject;
  enabled: boolean;
  /** The tick a replica claimed and has not yet released; absent when no tick is in flight. */
  claim?: CronClaim;
}

/** A claimed tick (`CronStore.claimTick`): which tick, and when it was (last) claimed. */
export interface CronClaim {
  tick: Date;
  at: Date;
}

/** Fields of an update; absent ones are unchanged. `endTime: null` clears the end time. */
export interface CronChanges {
  schedule?: string;
  timezone?: string | null;
  endTime?: Date | null;
  enabled?: boolean;
  onRunCompleted?: CronOnRunCompleted;
  /** Replaces the payload. */
  payload?: JsonObject;
  /** Replaces the metadata (the caller merged it). */
  metadata?: JsonObject;
  /** The recomputed next tick. */
  nextRunDate?: Date | null;
}

/** Filters of a search or count; every given one must match. */
export interface CronFilter {
  assistantId?: string;
  threadId?: string;
  enabled?: boolean;
  /** Containment match on metadata (literal values, never query operators). */
  metadata?: JsonObject;
  /** An authorization filter on metadata (`crons:search`; docs/security.md "Filters"). */
  scope?: JsonObject;
}

/** Sort keys of a search. */
export type CronSortBy =
  | "cron_id"
  | "assistant_id"
  | "thread_id"
  | "next_run_date"
  | "end_time"
  | "created_at"
  | "updated_at";

/** Paging and order of a search. */
export interface CronPage {
  limit: number;
  offset: number;
  sortBy: CronSortBy;
  sortOrder: "asc" | "desc";
}

/** Crons on the shared database. */
export interface CronStore {
  /** Inserts a new cron. */
  create(cron: CronRecord): Promise<CronRecord>;
  /** @throws CronNotFoundError */
  get(cronId: string): Promise<CronRecord>;
  /** Applies `changes` (and `updatedAt`); returns the cron after. @throws CronNotFoundError */
  update(cronId: string, changes: CronChanges, now: Date): Promise<CronRecord>;
  /** @throws CronNotFoundError */
  delete(cronId: string): Promise<void>;
  search(filter: CronFilter, page: CronPage): Promise<CronRecord[]>;
  count(filter: CronFilter): Promise<number>;
  /**
   * The crons a scheduler has to act on, by `nextRunDate`, at most `limit`: enabled crons without a claim whose
   * `nextRunDate` is at or before `now`, and crons (enabled or not) whose claim was made at or before
   * `staleBefore` (a replica claimed the tick and never released it). @default staleBefore: none listed
   */
  listDue(now: Date, limit: number, staleBefore?: Date): Promise<CronRecord[]>;
  /**
   * Claims the tick `tick` of `cronId` (one `findOneAndUpdate`): moves `nextRunDate` from `tick` to `next` and
   * records the claim `{tick, at: now}`, only when `nextRunDate` still is `tick`, the cron is enabled and holds no
   * claim; returns the cron as claimed. `null` when another replica claimed it first, or the cron changed, was
   * disabled or deleted meanwhile.
   */
  claimTick(cronId: string, tick: Date, next: Date | null, now: Date): Promise<CronRecord | null>;
  /**
   * Takes over the stale claim `claim` of `cronId` (compare-and-set on the claim's tick and time), setting its time
   * to `now`; `null` when it was released or taken over by another replica meanwhile.
   */
  reclaimTick(cronId: string, claim: CronClaim, now: Date): Promise<CronRecord | null>;
  /** Removes the claim of `tick` once its run exists (or was refused); no-op when the claim is gone. */
  releaseTick(cronId: string, tick: Date): Promise<void>;
}
