/**
 * `RunTracing` (src/runtime/tracing.ts) over OpenTelemetry: a `loom.run` span per execution of a run, child of
 * the span of the request that created it (its `traceparent`, stored on the run, so the trace continues on the
 * replica that executes it), with a `loom.step` span per super-step and a `loom.node <name>` span per task below
 * it. Store calls made meanwhile (MongoDB command spans, `mongo-commands.ts`) nest under them through the active
 * context.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { RunTracer, TaskEnd } from "../engine/index.js";
import type { RunTracing } from "../runtime/tracing.js";

/** Records `error` on `span` and marks it failed. */
export function recordError(span: Span, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${e.name}: ${e.message}` });
}

/** Runs `run` inside `span` (the active span), ending it when the promise settles; `end` sees the value. */
async function within<T>(span: Span, run: () => Promise<T>, end?: (value: T) => void): Promise<T> {
  try {
    const value = await context.with(trace.setSpan(context.active(), span), run);
    end?.(value);
    return value;
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The engine's hooks: a span per super-step and per task, in the active context. */
export function createEngineTracer(tracer: Tracer): RunTracer {
  return {
    step(info, run) {
      const span = tracer.startSpan("loom.step", {
        attributes: {
          "loom.step": info.step,
          "loom.checkpoint_ns": info.checkpointNs,
          "loom.tasks": [...info.tasks],
        },
      });
      return within(span, run);
    },
    task<T extends TaskEnd>(info: Parameters<RunTracer["task"]>[0], run: () => Promise<T>) {
      const span = tracer.startSpan(`loom.node ${info.name}`, {
        attributes: {
          "loom.node": info.name,
          "loom.task_id": info.taskId,
          "loom.step": info.step,
          "loom.checkpoint_ns": info.checkpointNs,
        },
      });
      return within(span, run, (outcome) => {
        span.setAttribute("loom.task.outcome", outcome.kind);
        if (outcome.kind === "error" && outcome.error) recordError(span, outcome.error);
      });
    },
  };
}

/** Creates the runtime's tracing over `tracer` (from the app's `TracerProvider`). */
export function createRunTracing(tracer: Tracer): RunTracing {
  return {
    traceparent() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent;
    },
    execution(run, execute) {
      // The parent is the creating request's span from the run document, never whatever context the worker
      // loop happens to run in (a claim may be triggered from an unrelated request).
      const parent = run.traceparent
        ? propagation.extract(ROOT_CONTEXT, { traceparent: run.traceparent })
        : ROOT_CONTEXT;
      const span = tracer.startSpan(
        "loom.run",
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            "loom.run_id": run.runId,
            "loom.thread_id": run.threadId,
            "loom.assistant_id": run.assistantId,
            "loom.run.attempt": run.attempt,
          },
        },
        parent,
      );
      return (async () => {
        try {
          const finished = await context.with(trace.setSpan(parent, span), execute);
          span.setAttribute("loom.run.status", finished ? finished.run.status : "released");
          if (finished?.run.status === "error") span.setStatus({ code: SpanStatusCode.ERROR });
          return finished;
        } catch (error) {
          recordError(span, error);
          throw error;
        } finally {
          span.end();
        }
      })();
    },
    engine: createEngineTracer(tracer),
  };
}
