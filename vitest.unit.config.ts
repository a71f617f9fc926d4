/**
 * The fast tier (`npm run test:unit`): tests that need no `mongod`, no server and no child process — the engine
 * on its in-memory store, the registry, pure runtime and service pieces, config, the REST transcoder, the UI's
 * layout. No global setup, so it runs on a machine without MongoDB in seconds. `npm test` runs these too.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/engine/**/*.test.ts",
      "test/registry/**/*.test.ts",
      "test/runtime/{abort,command-mark,cron-schedule,cron-scheduler-memory,event-log,guards,run-hub,worker-pool}.test.ts",
      "test/server/{config,exposure,static-files}.test.ts",
      "test/service/**/*.test.ts",
      "test/store/{client-options,memory,memory-stores,mongo-encoding}.test.ts",
      "test/ui/tree-layout.test.ts",
    ],
    testTimeout: 30_000,
  },
});
