/**
 * HealthService: `GET /ok` and `GET /info` (docs/api.md §3, "Meta").
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type HealthService,
  InfoAuthSchema,
  InfoFlagsSchema,
  InfoResponseSchema,
  OkResponseSchema,
} from "../../gen/ts/loom/v1/health_pb.js";

/** What the health service needs. */
export interface HealthDeps {
  /** Loom's version string. */
  version: string;
  /** Resolves when the database answers a ping; rejects otherwise. */
  pingDatabase: () => Promise<void>;
  /** How callers authenticate (`Authenticator.mode`), or `"none"`. @default "none" */
  authMode?: "custom" | "api_key" | "none";
}

/**
 * Creates the HealthService implementation.
 *
 * `Ok` answers `{ok: true}` when the database answers, `Unavailable` (HTTP 503) otherwise. `Info` says whether
 * auth is on and its mode (`auth: {enabled, mode}`), nothing more.
 */
export function createHealthService(deps: HealthDeps): ServiceImpl<typeof HealthService> {
  const authMode = deps.authMode ?? "none";
  return {
    async ok() {
      try {
        await deps.pingDatabase();
      } catch (error) {
        throw new ConnectError(`database unavailable: ${(error as Error).message}`, Code.Unavailable);
      }
      return create(OkResponseSchema, { ok: true });
    },
    async info() {
      return create(InfoResponseSchema, {
        version: deps.version,
        flags: create(InfoFlagsSchema, {
          assistants: true,
          crons: true,
          langsmith: false,
          store: true,
        }),
        auth: create(InfoAuthSchema, { enabled: authMode !== "none", mode: authMode }),
      });
    },
  };
}
