/**
 * Contract suite of `WebhookStore` (src/store/webhook-store.ts; docs/api.md §5 `webhook`), memory and MongoDB
 * alike (`stores.ts`): which runs can be claimed, exclusive claims that lapse, attempts fenced on the owner, the
 * end of a delivery, and due claims with a settle time.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WebhookStore } from "../../src/store/webhook-store.js";
import { type ContractStores, type MakeStores, type StoresFixture, tick } from "./stores.js";

const URL = "http://127.0.0.1:9/hook";

/** Registers the WebhookStore contract for one store. */
export function webhookStoreContract(name: string, makeStores: MakeStores): void {
  describe(`WebhookStore contract: ${name}`, () => {
    let fixture: StoresFixture;
    let s: ContractStores;
    let webhooks: WebhookStore;
    beforeEach(async () => {
      fixture = await makeStores();
      s = fixture.stores;
      webhooks = s.webhooks;
      await s.threads.create({ threadId: "t1" });
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    /** A run of t1 with a webhook, ended `success` with `output` when `end`. */
    async function run(runId: string, options: { webhook?: boolean; end?: boolean } = {}): Promise<void> {
      await s.runs.create({
        runId,
        threadId: "t1",
        assistantId: "a",
        kwargs: options.webhook === false ? { input: 1 } : { input: 1, webhook: URL },
      });
      if (options.end !== false) {
        await s.queue.finish(
          runId,
          null,
          "success",
          { status: "idle", values: { v: runId } },
          { out: runId },
        );
      }
    }

    it("claims only an ended run with a webhook, with its output and its thread's values", async () => {
      await run("pending", { end: false });
      await run("plain", { webhook: false });
      await run("r1");
      expect(await webhooks.claim("pending", "w1", 60_000)).toBeNull();
      expect(await webhooks.claim("plain", "w1", 60_000)).toBeNull();
      expect(await webhooks.claim("nope", "w1", 60_000)).toBeNull();
      const claim = await webhooks.claim("r1", "w1", 60_000);
      expect(claim).toMatchObject({
        url: URL,
        attempts: 0,
        output: { out: "r1" },
        threadValues: { v: "r1" },
        run: { runId: "r1", status: "success" },
      });
    });

    it("a claim is exclusive until it lapses; attempts carry over to the next claim", async () => {
      await run("r1");
      expect(await webhooks.claim("r1", "w1", 60_000)).not.toBeNull();
      expect(await webhooks.claim("r1", "w2", 60_000)).toBeNull();
      expect(await webhooks.claimDue("w2", 60_000)).toBeNull();
      expect(await webhooks.recordAttempt("r1", "w1", { status: 500, error: null }, 1)).toBe("held");
      expect(await webhooks.recordAttempt("r1", "w2", { status: null, error: "x" }, 1)).toBe("lost");
      await tick(new Date(Date.now() + 2));
      const again = await webhooks.claim("r1", "w2", 60_000);
      expect(again?.attempts).toBe(1);
      expect(await webhooks.recordAttempt("r1", "w1", { status: 200, error: null }, 60_000)).toBe("lost");
      expect(await webhooks.recordAttempt("r1", "w2", { status: 200, error: null }, 60_000)).toBe("held");
    });

    it("a completed delivery is never claimed again; complete by another owner changes nothing", async () => {
      await run("r1");
      await run("r2");
      await webhooks.claim("r1", "w1", 1);
      await webhooks.complete("r1", "w1", { delivered: true });
      await webhooks.claim("r2", "w1", 1);
      await webhooks.complete("r2", "w2", { delivered: false, error: "nope" });
      await tick(new Date(Date.now() + 2));
      expect(await webhooks.claim("r1", "w2", 60_000)).toBeNull();
      const r2 = await webhooks.claim("r2", "w3", 60_000);
      expect(r2?.run.runId).toBe("r2");
      await webhooks.complete("r2", "w3", { delivered: false, error: "gave up" });
      await tick(new Date(Date.now() + 2));
      expect(await webhooks.claimDue("w4", 60_000)).toBeNull();
    });

    it("recordAttempt on a deleted run is gone", async () => {
      await run("r1");
      await webhooks.claim("r1", "w1", 60_000);
      await s.runs.delete("r1");
      expect(await webhooks.recordAttempt("r1", "w1", { status: 200, error: null }, 60_000)).toBe("gone");
    });

    it("claimDue claims each due delivery once; settleMs holds back never-claimed ones, not lapsed claims", async () => {
      await run("r1");
      await run("r2");
      await run("busy", { end: false });
      expect(await webhooks.claimDue("w1", 60_000, 60_000)).toBeNull();
      const first = await webhooks.claimDue("w1", 60_000);
      const second = await webhooks.claimDue("w1", 60_000);
      expect([first?.run.runId, second?.run.runId].sort()).toEqual(["r1", "r2"]);
      expect(await webhooks.claimDue("w1", 60_000)).toBeNull();
      // An attempt sets the claim's new expiry: 1 ms from now.
      const firstId = first?.run.runId ?? "";
      expect(await webhooks.recordAttempt(firstId, "w1", { status: 503, error: null }, 1)).toBe("held");
      await tick(new Date(Date.now() + 2));
      const lapsed = await webhooks.claimDue("w2", 60_000, 60_000);
      expect(lapsed?.run.runId).toBe(first?.run.runId);
    });
  });
}
