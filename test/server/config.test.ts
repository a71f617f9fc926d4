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
