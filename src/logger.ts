/**
 * Structured logging through pino. One root logger is made in `src/main.ts` (or a test) and passed down;
 * modules take a child logger rather than importing a global.
 */
import { type Logger, pino } from "pino";

export type { Logger };

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** pino level; `silent` logs nothing. Default `info`. */
  level?: string;
}

/** Creates the root logger: JSON lines on stdout, with `name: "loom"`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({ name: "loom", level: options.level ?? "info" });
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
