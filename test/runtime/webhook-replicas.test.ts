/**
 * Run webhooks with several replicas (docs/operations.md "Webhooks"): every replica's recovery looks for
 * deliveries nobody holds every 100 ms here, yet each run's end is delivered once — its receiver sees the failed
 * first POST (500) and one successful retry, never more. A replica killed (`kill -9`) while its POST is in flight
 * leaves a claim that lapses; another replica then delivers it and records the outcome on the run.
 */
import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mongoUri } from "../support/mongo.js";
import { until } from "../support/until.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { type LoomProcess, startLoom } from "./processes.js";

const dbName = `runtime_webhooks_${randomBytes(6).toString("hex")}`;
const env = {
  LOOM_WORKERS: "2",
  LOOM_WEBHOOK_BACKOFF_MS: "50",
  LOOM_WEBHOOK_RECOVERY_MS: "100",
  // The claim of a delivery lasts one POST's timeout plus its backoff plus 5 s: the crash case waits that long.
  LOOM_WEBHOOK_TIMEOUT_MS: "1000",
};
let client: MongoClient;
let receiver: WebhookReceiver;
let loom: LoomProcess[] = [];

beforeAll(async () => {
  client = await MongoClient.connect(mongoUri());
  receiver = await startWebhookReceiver();
  loom = await Promise.all([0, 1].map(() => startLoom({ mongoUri: mongoUri(), dbName, env })));
}, 90_000);

afterAll(async () => {
  await Promise.all(loom.map((p) => p.stop("SIGKILL")));
  await receiver?.close();
  await client?.db(dbName).dropDatabase();
  await client?.close();
});

type Obj = Record<string, unknown>;

async function post(url: string, body: unknown): Promise<Obj> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Obj;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The `webhook` sub-document of each run once every one of them is delivered or failed. */
async function outcomes(runIds: string[]): Promise<Obj[]> {
  const runs = client.db(dbName).collection<{ _id: string; webhook?: Obj }>("runs");
  return until(
    "every delivery to end",
    async () => {
      const docs = await runs.find({ _id: { $in: runIds } }).toArray();
      const ended = docs.filter((d) => d.webhook?.state === "delivered" || d.webhook?.state === "failed");
      return ended.length === runIds.length ? ended.map((d) => d.webhook as Obj) : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

it("20 runs through two replicas: each webhook is delivered once, after one retry", async () => {
  const [a, b] = loom as [LoomProcess, LoomProcess];
  const threads = await Promise.all(
    Array.from(
      { length: 10 },
      async (_, i) => (await post(`${(i % 2 ? a : b).url}/threads`, {})).thread_id as string,
    ),
  );
  const runIds = await Promise.all(
    threads.flatMap((tid, t) =>
      [0, 1].map(async (k) => {
        const via = (t + k) % 2 ? a : b;
        const run = await post(`${via.url}/threads/${tid}/runs`, {
          assistant_id: "tick",
          input: { n: k },
          multitask_strategy: "enqueue",
          webhook: `${receiver.url}/flaky/${tid}/${k}`,
        });
        return run.run_id as string;
      }),
    ),
  );
  const ended = await outcomes(runIds);
  expect(ended.map((w) => [w.state, w.attempts, w.last_status])).toEqual(
    runIds.map(() => ["delivered", 2, 200]),
  );
  // Several recovery intervals on both replicas: a second delivery would have happened by now.
  await new Promise((r) => setTimeout(r, 1000));
  for (const tid of threads) {
    for (const k of [0, 1]) {
      expect(receiver.received(`/flaky/${tid}/${k}`).map((p) => p.answered)).toEqual([500, 200]);
    }
  }
}, 60_000);

it("a replica killed mid-delivery: another replica delivers the run after the claim lapses", async () => {
  // The doomed replica is the only one running, so it executes the run and claims its delivery; its POST must
  // still hang when the kill lands (a 1 s timeout could let a loaded machine time it out and retry first).
  await Promise.all(loom.map((p) => p.stop("SIGKILL")));
  loom = [];
  const doomed = await startLoom({
    mongoUri: mongoUri(),
    dbName,
    env: { ...env, LOOM_WEBHOOK_TIMEOUT_MS: "5000" },
  });
  loom.push(doomed);
  const tid = (await post(`${doomed.url}/threads`, {})).thread_id as string;
  const hook = `/hang/${tid}`;
  const res = await fetch(`${doomed.url}/threads/${tid}/runs/wait`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ assistant_id: "tick", input: { n: 7 }, webhook: `${receiver.url}${hook}` }),
  });
  expect(res.status).toBe(200);
  const runId = (res.headers.get("content-location") ?? "").split("/").pop() ?? "";
  await until("the first POST to arrive", () => receiver.received(hook).length === 1);
  await doomed.stop("SIGKILL");
  loom.push(await startLoom({ mongoUri: mongoUri(), dbName, env }));
  const [outcome] = await outcomes([runId]);
  expect(outcome).toMatchObject({ state: "delivered", attempts: 1, last_status: 200 });
  expect(String(outcome?.claimed_by)).not.toContain(`:${doomed.pid}:`);
  expect(receiver.received(hook).map((p) => p.answered)).toEqual([null, 200]);
  expect(receiver.received(hook)[1]?.body).toMatchObject({
    run_id: runId,
    status: "success",
    values: { ticks: [7] },
  });
}, 60_000);
