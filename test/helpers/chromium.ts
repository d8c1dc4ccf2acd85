/**
 * Debian's chromium driven by playwright-core, for the viewer's browser tests: one launch
 * with the flags every test needs, and pages that record script errors and CSP violations.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/** Where the test command installs Debian's chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Starts headless chromium; `extraArgs` e.g. `--host-resolver-rules=…`. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

/** A page that records script errors and CSP violations in `problems`. */
export async function openPage(
  browser: Browser,
  viewport = { width: 1360, height: 900 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" || /Content Security Policy|Refused to/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  return { page, problems };
}
