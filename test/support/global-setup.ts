/**
 * Vitest global setup: one real `mongod` (single-node replica set) for the whole test run, started by the
 * project's launcher (`MONGODB_URI` wins when set). Test files get its URI with `inject("mongoUri")` and use a
 * database name of their own (see ./mongo.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { launchMongo } from "../../src/mongod/launcher.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mongo = await launchMongo({
    toolsRoot: projectRoot,
    ...(process.env.MONGODB_URI ? { uri: process.env.MONGODB_URI } : {}),
    ...(process.env.MONGOD_PATH ? { mongodPath: process.env.MONGOD_PATH } : {}),
    ...(process.env.PATH ? { searchPath: process.env.PATH } : {}),
  });
  project.provide("mongoUri", mongo.uri);
  return () => mongo.stop();
}
