/**
 * The start-up warning for a Loom that anyone on the network can drive (docs/security.md, first paragraph): only
 * a non-loopback address without auth warns.
 */
import { describe, expect, it } from "vitest";
import { EXPOSURE_WARNING, exposureWarning } from "../../src/server/exposure.js";

describe("exposureWarning", () => {
  it("warns for a wildcard or routable address without auth, naming how to turn auth on", () => {
    for (const host of ["0.0.0.0", "::", "10.1.2.3", "192.168.0.7", "loom.example.com"]) {
      expect(exposureWarning(host, false), host).toBe(EXPOSURE_WARNING);
    }
    expect(EXPOSURE_WARNING).toContain("LOOM_API_KEYS");
  });

  it("stays quiet on loopback addresses, and whenever auth is on", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"]) {
      expect(exposureWarning(host, false), host).toBeUndefined();
    }
    for (const host of ["0.0.0.0", "::", "10.1.2.3"])
      expect(exposureWarning(host, true), host).toBeUndefined();
  });
});
