/**
 * Test graph `whoami`: one node that answers the caller's identity as the server gave it to the run
 * (`config.configurable.langgraph_auth_user`, `langgraph_auth_user_id`).
 */
import { END, type JsonValue, lastValue, START, StateGraph } from "../../../src/engine/index.js";

export const graph = new StateGraph({ user: lastValue<JsonValue>(), userId: lastValue<JsonValue>() })
  .addNode("who", async (_state, ctx) => ({
    user: ctx.config.configurable?.langgraph_auth_user ?? null,
    userId: ctx.config.configurable?.langgraph_auth_user_id ?? null,
  }))
  .addEdge(START, "who")
  .addEdge("who", END)
  .compile({ name: "whoami" });
