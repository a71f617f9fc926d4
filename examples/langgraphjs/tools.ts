/**
 * The two deterministic tools of the LangGraph.js examples: `get_weather(city)` (a fixed table) and `add(a, b)`.
 * Their results are sentences, which the scripted model (`./scripted-model.ts`) quotes in its answer.
 */
import { tool } from "@langchain/core/tools";
import { z } from "zod";

const FORECASTS: Record<string, string> = {
  Paris: "sunny and 21 °C",
  London: "cloudy and 14 °C",
  Tokyo: "rainy and 18 °C",
};

/** `get_weather({city})` → `"It is sunny and 21 °C in Paris."` (unknown city: "No forecast for X."). */
export const getWeather = tool(
  ({ city }: { city: string }) => {
    const forecast = FORECASTS[city];
    return forecast === undefined ? `No forecast for ${city}.` : `It is ${forecast} in ${city}.`;
  },
  {
    name: "get_weather",
    description: "The current weather in a city.",
    schema: z.object({ city: z.string().describe("city name, e.g. Paris") }),
  },
);

/** `add({a, b})` → `"2 + 3 = 5."` */
export const add = tool(({ a, b }: { a: number; b: number }) => `${a} + ${b} = ${a + b}.`, {
  name: "add",
  description: "Adds two numbers.",
  schema: z.object({ a: z.number(), b: z.number() }),
});

/** Both tools, as the agents bind them. */
export const tools = [getWeather, add];
