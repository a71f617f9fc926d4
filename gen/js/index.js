// Loom's API (package loom.v1): every generated message schema, type and service of lib/loom/v1.
export * from "./lib/loom/v1/assistants_pb.js";
export * from "./lib/loom/v1/health_pb.js";
export * from "./lib/loom/v1/runs_pb.js";
export * from "./lib/loom/v1/threads_pb.js";
export * from "./lib/loom/v1/types_pb.js";
