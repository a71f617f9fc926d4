/**
 * Starts the LangGraph.js dev server (`@langchain/langgraph-api`, in-memory storage) on this package's graphs, the
 * way `langgraphjs dev` does (its `cli/spawn` runs `tsx --import <api>/dist/preload.mjs <api>/dist/cli/entrypoint.mjs
 * <ppid> <options>`), minus the file watcher, the Studio banner and the IPC channel to the CLI.
 *
 * Usage (from bench/runs.ts): `node --import tsx --import <api>/dist/preload.mjs server.mjs '<options JSON>'`, the
 * options being `startServer`'s (`{port, nWorkers, host, cwd, graphs}`); the last argument is read by the preload
 * too, which pins `@langchain/langgraph` and `@langchain/langgraph-checkpoint` to the graphs' copies. Prints
 * `peer listening on <host:port>` when ready; exits on SIGTERM/SIGINT without flushing its store to disk.
 */
import { startServer, StartServerSchema } from "@langchain/langgraph-api/server";

const options = StartServerSchema.parse(JSON.parse(process.argv.at(-1) ?? "{}"));
const { host } = await startServer(options);
process.stdout.write(`peer listening on ${host}\n`);
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
