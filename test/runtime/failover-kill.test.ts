/**
 * Failover scenario (b): `kill -9` of the primary under load, restarted on its data a few seconds later (it
 * rejoins, catches up and, having the highest priority, takes over again: a second election under load).
 * test/runtime/failover.ts lists the load and every assertion; docs/runs.md "Replica sets and failover" the figures.
 */
import { expect, it } from "vitest";
import { failoverScenario } from "./failover.js";

it("a primary killed with SIGKILL and restarted: every run ends once, chains stay whole, answers are 200 or 503", {
  timeout: 120_000,
}, async () => {
  const figures = await failoverScenario("kill -9", async (set) => {
    const from = await set.waitForPrimary();
    await set.kill(from);
    const to = await set.waitForPrimary({ not: from });
    await set.restart(from);
    return `primary ${from} killed, ${to} elected, ${from} restarted`;
  });
  expect(figures.runsInDb).toBeGreaterThan(0);
});
