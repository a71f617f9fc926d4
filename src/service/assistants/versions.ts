/**
 * Assistant versions over the API (docs/api.md §3 "Assistant versions"): the version record as proto, and the
 * checks of `POST /assistants/{id}/versions` and `POST /assistants/{id}/latest`.
 */
import { create, type JsonObject as PbJsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type AssistantVersion, AssistantVersionSchema } from "../../../gen/ts/loom/v1/assistants_pb.js";
import type { AssistantVersionRecord } from "../../store/records.js";
import { InvalidInputError } from "../errors.js";

/** A stored version as the `AssistantVersion` message. */
export function versionToProto(v: AssistantVersionRecord): AssistantVersion {
  return create(AssistantVersionSchema, {
    assistantId: v.assistantId,
    graphId: v.graphId,
    config: v.config as PbJsonObject,
    context: v.context as PbJsonObject,
    createdAt: timestampFromDate(v.createdAt),
    metadata: v.metadata as PbJsonObject,
    version: v.version,
    name: v.name,
    ...(v.description !== null ? { description: v.description } : {}),
  });
}

/**
 * The version to pin: a positive integer (a non-integer never gets here: the request does not decode, 422).
 * @throws InvalidInputError naming `version` for a missing (0) or negative version
 */
export function requireVersion(version: number): number {
  if (!Number.isInteger(version) || version < 1) {
    throw new InvalidInputError("version must be a positive integer", "version");
  }
  return version;
}
