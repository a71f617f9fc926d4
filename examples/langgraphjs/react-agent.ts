/**
 * `react_agent`: LangGraph's prebuilt ReAct agent (`createReactAgent`) with two tools, `get_weather` and `add`,
 * driven by the deterministic `ScriptedChatModel` (no network). Ask "What is the weather in Paris, and what is
 * 2 + 3?": the model calls both tools in one turn, ToolNode runs them, and the model streams its answer token by
 * token ("It is sunny and 21 °C in Paris. 2 + 3 = 5.").
 */
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { ScriptedChatModel } from "./scripted-model.js";
import { tools } from "./tools.js";

/** The compiled agent: nodes `agent` (the model) and `tools` (ToolNode), looping until the model answers. */
export const graph = createReactAgent({ llm: new ScriptedChatModel(), tools, name: "react_agent" });
