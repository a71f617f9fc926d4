/**
 * Reads a server's `GET /metrics` with a Prometheus text-format parser (`parse-prometheus-text-format`), so a
 * test sees what Prometheus would scrape: the parser checks every line and gives counters and gauges. It merges
 * the series of a histogram that has labels into one (1.1.1), so histogram `_count` / `_sum` series are read
 * from their sample lines here.
 */
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";

/** A sample line: name, labels, value (no timestamps in prom-client's output). */
const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of raw.matchAll(LABEL))
    out[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
  return out;
}

/** One scrape. */
export interface Scrape {
  text: string;
  families: PrometheusFamily[];
  /**
   * The sum of the series of `name` whose labels include `labels` (0 when none): a counter or gauge value, or
   * for a histogram `<name>_count` / `<name>_sum`.
   */
  value(name: string, labels?: Record<string, string>): number;
  /** The label sets of the series of family `name` (of a histogram: without `le`). */
  labelSets(name: string): Record<string, string>[];
}

/** Scrapes `${baseUrl}/metrics`; fails unless it answers 200 in the Prometheus text format. */
export async function scrape(baseUrl: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
  const contentType = res.headers.get("content-type") ?? "";
  if (!contentType.startsWith("text/plain") || !contentType.includes("version=0.0.4"))
    throw new Error(`GET /metrics content type ${contentType}`);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text);
  const family = (name: string) => families.find((f) => f.name === name);
  const samples = text
    .split("\n")
    .map((line) => SAMPLE.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ name: m[1] as string, labels: labelsOf(m[2] ?? ""), value: Number(m[3]) }));
  return {
    text,
    families,
    value(name, labels = {}) {
      const matches = (have: Record<string, string>) =>
        Object.entries(labels).every(([k, v]) => have[k] === v);
      const part = /_(count|sum)$/.exec(name);
      if (part && family(name.slice(0, -part[0].length))?.type === "HISTOGRAM") {
        return samples.filter((s) => s.name === name && matches(s.labels)).reduce((a, s) => a + s.value, 0);
      }
      let total = 0;
      for (const m of family(name)?.metrics ?? []) {
        if (matches(m.labels ?? {})) total += Number(m.value ?? 0);
      }
      return total;
    },
    labelSets: (name) =>
      family(name)?.type === "HISTOGRAM"
        ? samples.filter((s) => s.name === `${name}_count`).map((s) => s.labels)
        : (family(name)?.metrics ?? []).map((m) => m.labels ?? {}),
  };
}
