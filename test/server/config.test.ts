import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.js";

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    const config = parseConfig({}, "/srv/loom");
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8123,
      mongodbUri: undefined,
      dbName: "loom",
      dataDir: "/srv/loom/.data/mongod",
      configPath: "/srv/loom/loom.json",
      logLevel: "info",
      bodyLimitBytes: 10 * 1024 * 1024,
      allowedHosts: [],
      mongoSelectionTimeoutMs: 5000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      h2IdleTimeoutMs: 60_000,
      maxConnections: undefined,
    });
  });

  it("connection knobs: whole numbers; the request deadline is never shorter than the headers one", () => {
    const config = parseConfig(
      { LOOM_HEADERS_TIMEOUT_MS: "5000", LOOM_REQUEST_TIMEOUT_MS: "2000", LOOM_MAX_CONNECTIONS: "500" },
      "/",
    );
    expect(config).toMatchObject({ headersTimeoutMs: 5000, requestTimeoutMs: 5000, maxConnections: 500 });
    expect(() => parseConfig({ LOOM_MAX_CONNECTIONS: "0" }, "/")).toThrow(/LOOM_MAX_CONNECTIONS/);
    expect(() => parseConfig({ LOOM_HEADERS_TIMEOUT_MS: "soon" }, "/")).toThrow(/LOOM_HEADERS_TIMEOUT_MS/);
  });

  it("LOOM_ALLOWED_HOSTS: a comma-separated list of host names, or *; anything else names the variable", () => {
    expect(parseConfig({ LOOM_ALLOWED_HOSTS: "loom.internal, dev.example" }, "/").allowedHosts).toEqual([
      "loom.internal",
      "dev.example",
    ]);
    expect(parseConfig({ LOOM_ALLOWED_HOSTS: "*" }, "/").allowedHosts).toEqual(["*"]);
    expect(() => parseConfig({ LOOM_ALLOWED_HOSTS: "a b/c" }, "/")).toThrow(/LOOM_ALLOWED_HOSTS/);
  });

  it("LOOM_API_KEYS: hashes with identities, as a list or JSON; errors never quote the value", () => {
    const a = "a".repeat(64);
    const b = "B".repeat(64);
    expect(parseConfig({ LOOM_API_KEYS: `${a}:alice, ${b}:bob` }, "/").apiKeys).toEqual([
      { sha256Hex: a, identity: "alice" },
      { sha256Hex: "b".repeat(64), identity: "bob" },
    ]);
    expect(parseConfig({ LOOM_API_KEYS: JSON.stringify({ [a]: "ci-bot" }) }, "/").apiKeys).toEqual([
      { sha256Hex: a, identity: "ci-bot" },
    ]);
    expect(parseConfig({}, "/").apiKeys).toEqual([]);
    // A plain key where a hash belongs is refused, and the message does not repeat it.
    const plain = "my-secret-plain-key";
    let message = "";
    try {
      parseConfig({ LOOM_API_KEYS: `${plain}:alice` }, "/");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/LOOM_API_KEYS: entry 1: .*SHA-256/);
    expect(message).not.toContain(plain);
    expect(() => parseConfig({ LOOM_API_KEYS: a }, "/")).toThrow(/needs an identity/);
    expect(() => parseConfig({ LOOM_API_KEYS: "{not json" }, "/")).toThrow(/not valid JSON/);
  });

  it("LOOM_CORS_ORIGINS: *, or a list of origins; default left to the app (any with auth, loopback without)", () => {
    expect(parseConfig({}, "/").corsOrigins).toBeUndefined();
    expect(parseConfig({ LOOM_CORS_ORIGINS: "*" }, "/").corsOrigins).toBe("*");
    expect(
      parseConfig({ LOOM_CORS_ORIGINS: "https://app.example.com, http://localhost:3000" }, "/").corsOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:3000"]);
    expect(() => parseConfig({ LOOM_CORS_ORIGINS: "app.example.com" }, "/")).toThrow(/LOOM_CORS_ORIGINS/);
  });

  it("reads every variable", () => {
    const config = parseConfig(
      {
        HOST: "0.0.0.0",
        PORT: "0",
        MONGODB_URI: "mongodb://db:27017/?replicaSet=rs0",
        LOOM_DB: "loom_test",
        LOOM_DATA_DIR: "/var/lib/loom",
        LOOM_CONFIG: "cfg/graphs.json",
        LOG_LEVEL: "silent",
        LOOM_BODY_LIMIT_BYTES: "2048",
      },
      "/srv/loom",
    );
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 0,
      mongodbUri: "mongodb://db:27017/?replicaSet=rs0",
      dbName: "loom_test",
      dataDir: "/var/lib/loom",
      configPath: "/srv/loom/cfg/graphs.json",
      logLevel: "silent",
      bodyLimitBytes: 2048,
    });
  });

  it("names each invalid variable", () => {
    const bad = { PORT: "70000", LOG_LEVEL: "loud", MONGODB_URI: "http://x" };
    expect(() => parseConfig(bad, "/")).toThrow(ConfigError);
    expect(() => parseConfig(bad, "/")).toThrow(/PORT: PORT must be between 0 and 65535/);
    expect(() => parseConfig(bad, "/")).toThrow(/LOG_LEVEL: LOG_LEVEL must be one of/);
    expect(() => parseConfig(bad, "/")).toThrow(/MONGODB_URI: MONGODB_URI must start with mongodb:\/\//);
    expect(() => parseConfig({ PORT: "eighty" }, "/")).toThrow(/PORT: PORT must be a whole number/);
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig({ PORT: "", HOST: "" }, "/").port).toBe(8123);
  });
});

describe("parseConfig: metrics and OpenTelemetry traces", () => {
  it("metrics on and traces off by default", () => {
    const config = parseConfig({}, "/srv/loom");
    expect(config.metrics).toBe(true);
    expect(config.tracing).toBeUndefined();
    expect(parseConfig({ LOOM_METRICS: "false" }, "/srv/loom").metrics).toBe(false);
  });

  it("an OTLP endpoint or OTEL_TRACES_EXPORTER switches traces on; none or OTEL_SDK_DISABLED keep them off", () => {
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }, "/srv").tracing).toEqual({
      exporters: ["otlp"],
      otlpTracesUrl: "http://collector:4318/v1/traces",
      serviceName: "loom",
    });
    expect(
      parseConfig(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/in",
          OTEL_SERVICE_NAME: "loom-a",
        },
        "/srv",
      ).tracing,
    ).toEqual({ exporters: ["otlp"], otlpTracesUrl: "http://traces:9999/in", serviceName: "loom-a" });
    expect(parseConfig({ OTEL_TRACES_EXPORTER: "otlp, console" }, "/srv").tracing).toEqual({
      exporters: ["otlp", "console"],
      otlpTracesUrl: "http://localhost:4318/v1/traces",
      serviceName: "loom",
    });
    expect(
      parseConfig({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, "/srv")
        .tracing,
    ).toBeUndefined();
    expect(
      parseConfig({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, "/srv")
        .tracing,
    ).toBeUndefined();
  });

  it("names a bad OTEL variable", () => {
    expect(() => parseConfig({ OTEL_TRACES_EXPORTER: "zipkin" }, "/srv")).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }, "/srv")).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
