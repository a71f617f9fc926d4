/**
 * Starts the OpenTelemetry SDK for Loom's traces (docs/operations.md "Traces"): a Node tracer provider (context
 * through AsyncLocalStorage, W3C trace-context propagation), registered globally, exporting in batches over OTLP
 * (HTTP, JSON) and/or to the console. `src/main.ts` calls it only when the `OTEL_*` variables switch tracing on
 * (`src/config.ts`); otherwise no SDK is loaded and the app gets no tracer provider, so nothing is traced.
 */
import type { TracerProvider } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-node";

/** Where spans go (`OTEL_TRACES_EXPORTER`, `OTEL_EXPORTER_OTLP_*`). */
export interface TracingSettings {
  /** `otlp`: to {@link otlpTracesUrl}; `console`: one object per span on stdout. */
  exporters: ReadonlyArray<"otlp" | "console">;
  /** The OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces`. */
  otlpTracesUrl: string;
  /** `service.name` of the spans (`OTEL_SERVICE_NAME`). */
  serviceName: string;
  /** `service.version`. */
  serviceVersion: string;
}

/** A started SDK. */
export interface Tracing {
  provider: TracerProvider;
  /** Exports the spans still buffered and stops (on shutdown, after the drain). Never throws. */
  shutdown(): Promise<void>;
}

/** Starts and registers the SDK. */
export function startTracing(settings: TracingSettings): Tracing {
  const spanProcessors: SpanProcessor[] = settings.exporters.map(
    (exporter) =>
      new BatchSpanProcessor(
        exporter === "otlp"
          ? new OTLPTraceExporter({ url: settings.otlpTracesUrl })
          : new ConsoleSpanExporter(),
      ),
  );
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": settings.serviceName,
      "service.version": settings.serviceVersion,
    }),
    spanProcessors,
  });
  provider.register();
  return {
    provider,
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
