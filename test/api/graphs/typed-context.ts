/**
 * Test graph `typed_context`: a Loom graph with a context schema (`new StateGraph(schema, contextSchema)`).
 * `greet` records the context it sees (`seen`, defaults applied) and a greeting typed from it. Exercises the
 * run-creation check (docs/api.md §5 `context`) and `context_schema` of `GET /assistants/{id}/schemas`.
 */
import { z } from "zod";
import { END, type JsonValue, lastValue, START, StateGraph } from "../../../src/engine/index.js";

/** The context a run must carry: a user id, and a language that defaults to English. */
export const GreetingContext = z.object({
  user_id: z.string().min(1),
  lang: z.enum(["en", "fr"]).default("en"),
});

const HELLO = { en: "Hello", fr: "Bonjour" } as const;

export const graph = new StateGraph(
  { greeting: lastValue<string>(), seen: lastValue<Record<string, JsonValue>>() },
  GreetingContext,
)
  .addNode("greet", (_s, ctx) => ({
    greeting: `${HELLO[ctx.context.lang]}, ${ctx.context.user_id}!`,
    seen: { ...ctx.context },
  }))
  .addEdge(START, "greet")
  .addEdge("greet", END)
  .compile({ name: "typed_context" });
