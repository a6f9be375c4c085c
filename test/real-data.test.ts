// @engine-independent: checks how tests reach the real registry files; no database.
// The tests that read Airbyte's real registry files reach them through test/helpers/real-data.ts, so that a clone
// without ../shared/airbyte-registry skips them (and CI fails) instead of failing on ENOENT.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from './helpers/process.js';

const TEST_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HELPER = 'helpers/real-data.ts';

/** Every TypeScript file under test/ but the fixtures, relative to test/. */
function testSources(dir = TEST_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'fixtures' ? [] : testSources(path);
    return d.name.endsWith('.ts') ? [relative(TEST_DIR, path)] : [];
  });
}
// This file aside: it names the folder in its patterns and loads the helper to test it.
const others = testSources().filter((f) => f !== HELPER && f !== 'real-data.test.ts');
const tests = others.filter((f) => f.endsWith('.test.ts'));
const text = (file: string) => readFileSync(join(TEST_DIR, file), 'utf8');
const usesRealFiles = (source: string) => /\bREAL\.\w|\bSHARED_REGISTRY\b/.test(source);

const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * The lines of `file` that use the real files outside a describeWithRealData or itWithRealData call, found by
 * the lines that open the blocks around each use (the code is formatted, so a block is its indentation).
 * A top-level function counts as marked when the file passes it to describeWithRealData.
 */
function unmarkedUses(file: string): string[] {
  const source = text(file);
  const lines = source.split('\n');
  const passed = (name: string) => new RegExp(`describeWithRealData\\([^\\n]*\\b${name}\\b`).test(source);
  const marked = (i: number): boolean => {
    for (let indent = indentOf(lines[i]!); indent > 0 && i > 0; ) {
      i--;
      if (!lines[i]!.trim() || indentOf(lines[i]!) >= indent) continue;
      indent = indentOf(lines[i]!);
      if (/\b(describe|it)WithRealData\(/.test(lines[i]!)) return true;
      const fn = /^function (\w+)/.exec(lines[i]!);
      if (fn && passed(fn[1]!)) return true;
    }
    return false;
  };
  return lines.flatMap((line, i) => (usesRealFiles(line) && !line.startsWith('import ') && !marked(i) ? [`${file}:${i + 1}`] : []));
}

describe('the tests that read the real registry files', () => {
  it('name its folder only in the real-data helper', () => {
    expect(others.filter((f) => /['"`][^'"`\n]*airbyte-registry/.test(text(f)))).toEqual([]);
  });

  it('reach it only inside describeWithRealData or itWithRealData', () => {
    const readers = tests.filter((f) => usesRealFiles(text(f)));
    expect(readers.length).toBeGreaterThan(0);
    expect(readers.flatMap(unmarkedUses)).toEqual([]);
  });

  it('reach the files inside their tests, never when the file is loaded', () => {
    // A statement at the top of a file runs at collection time, even when every test in the file is skipped.
    const topLevel = tests.flatMap((f) =>
      text(f)
        .split('\n')
        .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
        .filter(({ line }) => /^\S/.test(line) && !line.startsWith('import ') && usesRealFiles(line))
        .map(({ at }) => at),
    );
    expect(topLevel).toEqual([]);
  });
});

describe('the real-data helper', () => {
  const saved = process.env.AIRBYTE_REGISTRY_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.AIRBYTE_REGISTRY_DIR;
    else process.env.AIRBYTE_REGISTRY_DIR = saved;
  });
  /** The helper as a fresh test run would load it with AIRBYTE_REGISTRY_DIR set to `dir`. */
  async function helperWith(dir: string) {
    process.env.AIRBYTE_REGISTRY_DIR = dir;
    vi.resetModules();
    return import('./helpers/real-data.js');
  }

  it('says which folder is missing when AIRBYTE_REGISTRY_DIR names none, and finds every real file beneath the one it names', async () => {
    const missing = join(tempDir('real-data-'), 'nowhere');
    const helper = await helperWith(missing);
    expect(helper.SHARED_REGISTRY).toBe(missing);
    expect(helper.realDataMissing).toBe(`no ${missing} (AIRBYTE_REGISTRY_DIR)`);
    expect(helper.realDataIncomplete).toEqual([]);
    for (const path of Object.values(helper.REAL)) expect(path.startsWith(`${missing}/`), path).toBe(true);
  });

  it('resolves a relative AIRBYTE_REGISTRY_DIR against the checkout, and lists what a partial copy lacks', async () => {
    const partial = tempDir('real-data-');
    mkdirSync(join(partial, 'monorepo-metadata-2025-11-11'));
    const helper = await helperWith(relative(ROOT, partial));
    expect(helper.SHARED_REGISTRY).toBe(partial);
    expect(helper.realDataMissing).toBeNull();
    expect(helper.realDataIncomplete).toEqual(Object.values(helper.REAL).filter((path) => path !== join(partial, 'monorepo-metadata-2025-11-11')));
  });
});
