// Headless Debian Chromium driven by playwright-core (the project installs no browser of its own).
// Without Chromium the browser tests are skipped, and the test run says so once (test/helpers/global-build.ts);
// with CI set, a missing Chromium fails the run instead.
import { accessSync, constants } from 'node:fs';
import type { Browser } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether CI is set (to anything but "", "0" or "false"). */
export const inCi = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

function missing(): string | null {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return null;
  } catch {
    return `no Chromium at ${CHROMIUM} (install the Debian package: apt-get install chromium; or set CHROMIUM_PATH)`;
  }
}

/** Why the browser tests cannot run here, or null when Chromium is there. */
export const browserMissing = missing();

/** `describe` for tests that drive the browser: skipped without Chromium, except under CI, where they run (and fail). */
export const describeWithBrowser = browserMissing && !inCi ? describe.skip : describe;

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // This machine has no network beyond loopback: keep Chromium from calling home.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
