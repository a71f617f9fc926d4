/**
 * MongoDB client spans from the driver's command monitoring (the same events as the latency metric,
 * `src/metrics/mongo-commands.ts`; the client must be connected with `monitorCommands: true`): one span per
 * command, named `<command> <collection>`, child of the span active where the command was sent (a request, a run,
 * a node). Commands sent outside any trace (the worker poll, lease renewals from timers, change-stream reads) get
 * no span, so an idle server exports nothing.
 */
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from "mongodb";

/** Attaches the listeners; returns the function that detaches them (spans still open are ended). */
export function traceMongoCommands(client: MongoClient, tracer: Tracer): () => void {
  // The driver numbers requests per process; the start and end events of one command carry the same id.
  const open = new Map<number, Span>();
  const started = (e: CommandStartedEvent) => {
    const parent = context.active();
    if (!trace.getSpan(parent)) return;
    const target = e.command[e.commandName];
    const collection = typeof target === "string" ? target : undefined;
    const span = tracer.startSpan(
      collection ? `${e.commandName} ${collection}` : e.commandName,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "db.system.name": "mongodb",
          "db.namespace": e.databaseName,
          "db.operation.name": e.commandName,
          ...(collection ? { "db.collection.name": collection } : {}),
          "server.address": e.address,
        },
      },
      parent,
    );
    open.set(e.requestId, span);
  };
  const succeeded = (e: CommandSucceededEvent) => {
    const span = open.get(e.requestId);
    if (!span) return;
    open.delete(e.requestId);
    span.end();
  };
  const failed = (e: CommandFailedEvent) => {
    const span = open.get(e.requestId);
    if (!span) return;
    open.delete(e.requestId);
    const error = e.failure instanceof Error ? e.failure : new Error(String(e.failure));
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.end();
  };
  client.on("commandStarted", started);
  client.on("commandSucceeded", succeeded);
  client.on("commandFailed", failed);
  return () => {
    client.off("commandStarted", started);
    client.off("commandSucceeded", succeeded);
    client.off("commandFailed", failed);
    for (const span of open.values()) span.end();
    open.clear();
  };
}
