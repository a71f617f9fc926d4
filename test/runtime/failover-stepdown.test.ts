/**
 * Failover scenario (a): `replSetStepDown` of the primary under load (test/runtime/failover.ts lists the load and
 * every assertion; docs/runs.md "Replica sets and failover" the figures).
 */
import { expect, it } from "vitest";
import { failoverScenario } from "./failover.js";

it("a stepped-down primary: every run ends once, chains stay whole, answers are 200 or 503", {
  timeout: 120_000,
}, async () => {
  const figures = await failoverScenario("stepdown", async (set) => {
    const { from, to } = await set.stepDown(10);
    return `primary ${from} stepped down, ${to} elected`;
  });
  expect(figures.runsInDb).toBeGreaterThan(0);
});
