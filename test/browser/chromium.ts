/**
 * Headless Chromium for the browser tests and the report benchmark: the system's Debian
 * chromium (scripts/setup-browser.sh installs it) driven by playwright-core, which downloads no
 * browser of its own. `LEASH_CHROMIUM` names another executable.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** The Chromium executable the tests drive. */
export const CHROMIUM = process.env.LEASH_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the executable is there. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Launches headless Chromium.
 * @throws Error naming the setup script when the executable is missing
 */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable())
    throw new Error(
      `No Chromium at ${CHROMIUM}: run bash scripts/setup-browser.sh (Debian's chromium), or set LEASH_CHROMIUM`,
    );
  // No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}
