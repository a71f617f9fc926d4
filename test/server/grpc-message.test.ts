/**
 * `grpcPercentEncode` (src/server/grpc-message.ts): the gRPC spec's percent-encoding of `grpc-message`, which
 * every decoder reads back — `decodeURIComponent` (Connect) and `decodeURI` (@grpc/grpc-js) alike.
 */
import { describe, expect, it } from "vitest";
import { grpcPercentEncode } from "../../src/server/grpc-message.js";

describe("grpcPercentEncode", () => {
  it("leaves printable ASCII but % as it is, and encodes %, control characters and UTF-8 bytes", () => {
    expect(grpcPercentEncode("Invalid timezone: 'Nowhere/City', ok?")).toBe(
      "Invalid timezone: 'Nowhere/City', ok?",
    );
    expect(grpcPercentEncode("100% é\n")).toBe("100%25 %C3%A9%0A");
    expect(grpcPercentEncode("🙂")).toBe("%F0%9F%99%82");
  });

  it("decodes back to the message with decodeURIComponent and with decodeURI", () => {
    const message = "a/b:c,d?e@f#g$h&i=j+k;l%m%41 é🙂 \t~";
    expect(decodeURIComponent(grpcPercentEncode(message))).toBe(message);
    expect(decodeURI(grpcPercentEncode(message))).toBe(message);
  });
});
