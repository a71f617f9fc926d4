/**
 * MongoDB command latency from the driver's command monitoring: listeners on the app's `MongoClient` feed
 * `loom_mongodb_command_duration_seconds`. The driver emits command events only on a client connected with
 * `monitorCommands: true` (`src/main.ts` connects so); on another client the histogram stays empty. The
 * listeners hear every command of the client, so a client shared with other code counts its commands too.
 */
import type { CommandFailedEvent, CommandSucceededEvent, MongoClient } from "mongodb";
import type { LoomMetrics } from "./metrics.js";

/**
 * Attaches the listeners; returns the function that detaches them (the app calls it on close: the client
 * outlives the app).
 */
export function monitorMongoCommands(
  client: MongoClient,
  metrics: Pick<LoomMetrics, "mongoCommand">,
): () => void {
  // `duration` is in milliseconds.
  const succeeded = (e: CommandSucceededEvent) =>
    metrics.mongoCommand(e.commandName, "success", e.duration / 1000);
  const failed = (e: CommandFailedEvent) => metrics.mongoCommand(e.commandName, "failure", e.duration / 1000);
  client.on("commandSucceeded", succeeded);
  client.on("commandFailed", failed);
  return () => {
    client.off("commandSucceeded", succeeded);
    client.off("commandFailed", failed);
  };
}
