/**
 * Headless Chromium for browser tests and `bench:ui`: Debian's `chromium` (installed by `.ci/run`; browser
 * downloads are impossible here) driven by `playwright-core`. `CHROMIUM_PATH` overrides the binary.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** The Chromium binary: `CHROMIUM_PATH`, else `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

/**
 * Launches headless Chromium. The flags keep it from reaching for Google's services (this machine has no
 * network, and refused connections slow every start). Throws naming the binary and the package when missing.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
