/**
 * `agent`: the human-in-the-loop example of the docs (DESIGN flow 2). `human_node` pauses with
 * `interrupt({text_to_revise})` and stores the resume value as the new text.
 *
 * Flow: run `{some_text: "original text"}` → `__interrupt__: [{id, value: {text_to_revise: "original text"}}]`;
 * resume with `Command({resume: "Edited text"})` → `{some_text: "Edited text"}`.
 */
import { END, lastValue, START, StateGraph } from "../engine/index.js";

/** State schema: `{some_text: string}` (last value). */
export const schema = { some_text: lastValue<string>() };

/** The compiled graph: START → human_node → END. */
export const graph = new StateGraph(schema)
  .addNode("human_node", (state, ctx) => {
    const value = ctx.interrupt<string>({ text_to_revise: state.some_text ?? null });
    return { some_text: value };
  })
  .addEdge(START, "human_node")
  .addEdge("human_node", END)
  .compile({ name: "agent" });
