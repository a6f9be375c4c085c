// Airbyte's real registry files, read in place from ../shared/airbyte-registry beside the checkout (never copied
// into the project). A clone without that folder skips the tests that read it, and the test run says so once
// (test/helpers/global-build.ts); with CI set, a missing folder fails the run instead, as a missing browser does.
// AIRBYTE_REGISTRY_DIR points the tests elsewhere (relative to the checkout), e.g. /nonexistent to try a bare clone.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { inCi } from './browser.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_DIR = '../shared/airbyte-registry';
const FROM_ENV = process.env.AIRBYTE_REGISTRY_DIR || undefined;

/** The folder holding the real registry files. */
export const SHARED_REGISTRY = resolve(ROOT, FROM_ENV ?? DEFAULT_DIR);

/** Every real file or folder the tests read, declared once (README.md and SOURCES.md in the folder say what each is). */
export const REAL = {
  oss2025: join(SHARED_REGISTRY, 'oss-registry-2025-01-29/oss_registry.json'),
  metadata2025: join(SHARED_REGISTRY, 'monorepo-metadata-2025-11-11'),
  oss2023: join(SHARED_REGISTRY, 'monorepo-test-fixtures-2023/oss_registry.json'),
  cloud2023: join(SHARED_REGISTRY, 'monorepo-test-fixtures-2023/cloud_registry.json'),
  archive: join(SHARED_REGISTRY, 'connector-archive-2025-03-28'),
};

function missing(): string | null {
  if (existsSync(SHARED_REGISTRY) && statSync(SHARED_REGISTRY).isDirectory()) return null;
  return FROM_ENV
    ? `no ${SHARED_REGISTRY} (AIRBYTE_REGISTRY_DIR)`
    : `no ${DEFAULT_DIR} beside the checkout (put Airbyte's registry files there, or point AIRBYTE_REGISTRY_DIR at them)`;
}

/** Why the real-data tests cannot run here, or null when the folder is there. */
export const realDataMissing = missing();

/** What the folder lacks of REAL when it is there: a partial copy fails the run rather than skipping (global-build.ts). */
export const realDataIncomplete = realDataMissing ? [] : Object.values(REAL).filter((path) => !existsSync(path));

const skip = realDataMissing !== null && !inCi;

/**
 * `describe` for tests that read the real files. Without the folder the suite is skipped and its body never
 * runs, so reads at collection time (a folder listing that makes one test per file) are safe inside it; the
 * report shows the suite with one skipped line saying why. Under CI it runs (and fails). `within` is the
 * describe to run it with otherwise, for a suite that needs more (`describeWithBrowser`).
 */
export function describeWithRealData(name: string, body: () => void, within: (name: string, body: () => void) => unknown = describe): void {
  if (skip) describe.skip(name, () => it(`needs ${SHARED_REGISTRY}`, () => {}));
  else within(name, body);
}

/** `it` for one test that reads the real files, in a suite whose other tests use fixtures. */
export const itWithRealData = skip ? it.skip : it;
